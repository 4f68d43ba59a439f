package controller

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/numerek/numerek/queue"
)

// TestErrorsPLComplete checks that every format given to queue.Errorf in
// packages queue and controller has a Polish translation using the same
// verbs for the same arguments, and that no translation is stale.
func TestErrorsPLComplete(t *testing.T) {
	used := map[string]bool{}
	for _, dir := range []string{filepath.Join("..", "queue"), filepath.Join("..", "booking"), "."} {
		for format, pos := range errorfFormats(t, dir) {
			used[format] = true
			pl, ok := errorsPL[format]
			if !ok {
				t.Errorf("%s: format %q has no Polish translation in errorsPL", pos, format)
				continue
			}
			if got, want := formatArgs(pl), formatArgs(format); !slices.Equal(got, want) {
				t.Errorf("format %q: Polish %q uses arguments %v, want %v", format, pl, got, want)
			}
		}
	}
	if len(used) < 50 {
		t.Errorf("found %d formats, want many: is the parsing right?", len(used))
	}
	for format := range errorsPL {
		if !used[format] {
			t.Errorf("errorsPL has format %q, which no queue.Errorf uses", format)
		}
	}
}

// errorfFormats returns the formats given to Errorf of package queue in the
// non-test files of dir, each with the position of one use.
func errorfFormats(t *testing.T, dir string) map[string]token.Position {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]token.Position{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || !isQueueErrorf(call.Fun, f.Name.Name) || len(call.Args) < 2 {
				return true
			}
			pos := fset.Position(call.Pos())
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: the format of queue.Errorf is not a string literal, so it cannot be translated", pos)
				return true
			}
			format, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", pos, err)
			}
			formats[format] = pos
			return true
		})
	}
	return formats
}

// isQueueErrorf reports whether fun, in package pkg, is queue.Errorf.
func isQueueErrorf(fun ast.Expr, pkg string) bool {
	switch fun := fun.(type) {
	case *ast.Ident:
		return pkg == "queue" && fun.Name == "Errorf"
	case *ast.SelectorExpr:
		x, ok := fun.X.(*ast.Ident)
		return ok && x.Name == "queue" && fun.Sel.Name == "Errorf"
	}
	return false
}

// formatArgs lists the arguments a format uses, each as its number and verb
// ("1s", "2d"), sorted, without repeats. It follows fmt: "%%" uses none, an
// explicit index "%[2]d" picks the argument, and the next verb takes the one
// after it.
func formatArgs(format string) []string {
	var args []string
	next := 1
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
	flags:
		for i < len(format) {
			switch c := format[i]; {
			case strings.IndexByte("+-# 0123456789.", c) >= 0:
				i++
			case c == '*':
				args = append(args, strconv.Itoa(next)+"*")
				next++
				i++
			case c == '[':
				end := strings.IndexByte(format[i:], ']')
				if end < 0 {
					break flags
				}
				n, err := strconv.Atoi(format[i+1 : i+end])
				if err != nil {
					break flags
				}
				next = n
				i += end + 1
			default:
				break flags
			}
		}
		if i >= len(format) {
			args = append(args, strconv.Itoa(next)+"!(NOVERB)")
			break
		}
		verb, size := utf8.DecodeRuneInString(format[i:])
		args = append(args, strconv.Itoa(next)+string(verb))
		next++
		i += size - 1
	}
	slices.Sort(args)
	return slices.Compact(args)
}

func TestFormatArgs(t *testing.T) {
	tests := []struct {
		format string
		want   []string
	}{
		{"no verbs, 100%% sure", nil},
		{"counter %d at %s", []string{"1d", "2s"}},
		{"%[2]s before %[1]d", []string{"1d", "2s"}},
		{"%[2]s, then %d", []string{"2s", "3d"}},
		{"%-5.2f and %q", []string{"1f", "2q"}},
		{"%s and %s again, %[1]s", []string{"1s", "2s"}},
	}
	for _, tt := range tests {
		if got := formatArgs(tt.format); !slices.Equal(got, tt.want) {
			t.Errorf("formatArgs(%q): got %v, want %v", tt.format, got, tt.want)
		}
	}
}

func TestLocalMessage(t *testing.T) {
	notCalled := queue.Errorf(queue.EConflict, "nobody is called at counter %d", 3)
	tests := []struct {
		name string
		err  error
		lang string
		want string
	}{
		{"Polish", notCalled, "pl", "Do stanowiska 3 nikt nie jest wezwany"},
		{"English", notCalled, "en", "nobody is called at counter 3"},
		{"unknown language", notCalled, "de", "nobody is called at counter 3"},
		{"Polish, two arguments", queue.Errorf(queue.EClosed, "%s is closed now (today: %s)", "Biuro Centrum", "08:00-16:00"), "pl", "Biuro Centrum jest teraz zamknięte (dziś: 08:00-16:00)"},
		{"Polish, no arguments", queue.Errorf(queue.EConflict, "take a counter first"), "pl", "Najpierw wybierz stanowisko"},
		{"Polish, wrapped", fmt.Errorf("call next: %w", notCalled), "pl", "Do stanowiska 3 nikt nie jest wezwany"},
		{"English, wrapped", fmt.Errorf("call next: %w", notCalled), "en", "nobody is called at counter 3"},
		{"Polish, untranslated format", queue.Errorf(queue.EInvalid, "something new %d", 1), "pl", "something new 1"},
		{"Polish, internal", errors.New("bolt: disk full at /var/lib/numerek"), "pl", "Błąd wewnętrzny"},
		{"English, internal", errors.New("bolt: disk full at /var/lib/numerek"), "en", "internal error"},
		{"Polish, internal code", queue.Errorf(queue.EInternal, "unknown location %q", "secret"), "pl", "Błąd wewnętrzny"},
		{"English, internal code", queue.Errorf(queue.EInternal, "unknown location %q", "secret"), "en", "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := localMessage(tt.err, tt.lang); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequestLang(t *testing.T) {
	tests := []struct {
		name           string
		acceptLanguage string
		cookie         string
		want           string
	}{
		{"nothing", "", "", "en"},
		{"Polish", "pl", "", "pl"},
		{"Polish with region and others", "pl-PL,pl;q=0.9,en-US;q=0.8", "", "pl"},
		{"Polish with a weight", "pl;q=0.9", "", "pl"},
		{"English", "en-GB,pl;q=0.5", "pl", "en"},
		{"upper case", "PL-pl", "", "pl"},
		{"spaces", " pl , en", "", "pl"},
		{"other language first", "de-DE,pl;q=0.9", "", "en"},
		{"other language, Polish cookie", "de", "pl", "pl"},
		{"Polish cookie", "", "pl", "pl"},
		{"English cookie", "", "en", "en"},
		{"unknown cookie", "", "de", "en"},
		{"wildcard", "*", "", "en"},
		{"not a language", "plx", "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/v1/session", nil)
			if tt.acceptLanguage != "" {
				r.Header.Set("Accept-Language", tt.acceptLanguage)
			}
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: langCookie, Value: tt.cookie})
			}
			if got := requestLang(r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestErrorLanguage(t *testing.T) {
	tc := newTestController(t)
	tests := []struct {
		name   string
		header []string
		want   string
	}{
		{"no Accept-Language", nil, "not logged in"},
		{"Polish", []string{"Accept-Language", "pl-PL,pl;q=0.9"}, "Najpierw się zaloguj"},
		{"English", []string{"Accept-Language", "en"}, "not logged in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out := tc.client().do("POST", "/api/v1/locations/centrum/counters/1/call-next", "", tt.header...)
			code, msg := errorOf(out)
			if status != http.StatusUnauthorized || code != queue.EUnauthorized || msg != tt.want {
				t.Errorf("got %d %q %q, want 401 %q %q", status, code, msg, queue.EUnauthorized, tt.want)
			}
		})
	}
}

func TestLocalMessageArguments(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"status", queue.Errorf(queue.EConflict, "%s is %s, not missed", "A001", queue.StatusDone), "obsłużony"},
		{"closed day", queue.Errorf(queue.EClosed, "%s is closed now (today: %s)", "BOM", queue.Hours{}), "nieczynne"},
		{"open day", queue.Errorf(queue.EClosed, "%s is closed now (today: %s)", "BOM", queue.Hours{Open: 8 * time.Hour, Close: 16 * time.Hour}), "08:00-16:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := localMessage(tt.err, "pl"); !strings.Contains(got, tt.want) {
				t.Fatalf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}
