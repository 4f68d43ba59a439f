package audio

import (
	"slices"
	"strings"
	"testing"
)

func TestNumberWords(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{0, "zero"},
		{1, "jeden"},
		{9, "dziewiec"},
		{10, "dziesiec"},
		{11, "jedenascie"},
		{12, "dwanascie"},
		{15, "pietnascie"},
		{19, "dziewietnascie"},
		{20, "dwadziescia"},
		{21, "dwadziescia jeden"},
		{99, "dziewiecdziesiat dziewiec"},
		{100, "sto"},
		{101, "sto jeden"},
		{112, "sto dwanascie"},
		{200, "dwiescie"},
		{215, "dwiescie pietnascie"},
		{300, "trzysta"},
		{305, "trzysta piec"},
		{440, "czterysta czterdziesci"},
		{999, "dziewiecset dziewiecdziesiat dziewiec"},
		{1000, "tysiac"},
		{1001, "tysiac jeden"},
		{2000, "dwa tysiace"},
		{4999, "cztery tysiace dziewiecset dziewiecdziesiat dziewiec"},
		{5012, "piec tysiecy dwanascie"},
		{9999, "dziewiec tysiecy dziewiecset dziewiecdziesiat dziewiec"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got, err := NumberWords(tt.n)
			if err != nil {
				t.Fatal(err)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("NumberWords(%d) = %q, want %q", tt.n, g, tt.want)
			}
		})
	}
	for _, n := range []int{-1, 10000} {
		if _, err := NumberWords(n); err == nil {
			t.Errorf("NumberWords(%d): got no error, want one", n)
		}
	}
}

// Every number's words are clips of the default bank.
func TestNumberWordsInBank(t *testing.T) {
	b := defaultBank(t)
	for n := 0; n <= MaxNumber; n++ {
		w, err := NumberWords(n)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range w {
			if _, ok := b.clips[x]; !ok {
				t.Fatalf("NumberWords(%d) has %q, not in the bank", n, x)
			}
		}
	}
}

func TestLetterWord(t *testing.T) {
	want := map[rune]string{
		'A': "a", 'B': "be", 'C': "ce", 'D': "de", 'E': "e", 'F': "ef", 'G': "gie",
		'H': "ha", 'I': "i", 'J': "jot", 'K': "ka", 'L': "el", 'M': "em", 'N': "en",
		'O': "o", 'P': "pe", 'Q': "ku", 'R': "er", 'S': "es", 'T': "te", 'U': "u",
		'V': "fau", 'W': "wu", 'X': "iks", 'Y': "igrek", 'Z': "zet",
	}
	b := defaultBank(t)
	for r := 'A'; r <= 'Z'; r++ {
		t.Run(string(r), func(t *testing.T) {
			for _, c := range []rune{r, r + 'a' - 'A'} {
				got, err := LetterWord(c)
				if err != nil {
					t.Fatal(err)
				}
				if got != want[r] {
					t.Errorf("LetterWord(%q) = %q, want %q", c, got, want[r])
				}
				if _, ok := b.clips[got]; !ok {
					t.Errorf("LetterWord(%q) = %q: not in the bank", c, got)
				}
			}
		})
	}
	for _, r := range []rune{'Ą', '1', ' ', 'ł'} {
		if _, err := LetterWord(r); err == nil {
			t.Errorf("LetterWord(%q): got no error, want one", r)
		}
	}
}

func TestPhrase(t *testing.T) {
	tests := []struct {
		name    string
		number  string
		counter int
		want    string
		wantErr string
	}{
		{"example", "A012", 5, "chime numer a dwanascie stanowisko numer piec", ""},
		{"no leading zeros", "B001", 12, "chime numer be jeden stanowisko numer dwanascie", ""},
		{"zero", "C000", 1, "chime numer ce zero stanowisko numer jeden", ""},
		{"lower case", "y215", 200, "chime numer igrek dwiescie pietnascie stanowisko numer dwiescie", ""},
		{"one digit", "Z7", 999, "chime numer zet siedem stanowisko numer dziewiecset dziewiecdziesiat dziewiec", ""},
		{"four digits", "A1000", 3, "chime numer a tysiac stanowisko numer trzy", ""},
		{"empty", "", 1, "", "want a letter and 1-4 digits"},
		{"letter only", "A", 1, "", "want a letter and 1-4 digits"},
		{"five digits", "A12345", 1, "", "want a letter and 1-4 digits"},
		{"digit first", "1234", 1, "", "does not start with a letter"},
		{"polish letter", "Ł12", 1, "", "ticket number"},
		{"sign", "A-12", 1, "", "want digits"},
		{"counter 0", "A012", 0, "", "counter 0 is not in 1-999"},
		{"counter 1000", "A012", 1000, "", "counter 1000 is not in 1-999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Phrase(tt.number, tt.counter)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Phrase(%q, %d): got error %v, want one containing %q", tt.number, tt.counter, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("Phrase(%q, %d) = %q, want %q", tt.number, tt.counter, g, tt.want)
			}
		})
	}
}

// The bank holds exactly the words Phrase can say: no clip missing, none extra.
func TestBankNamesMatchPhrase(t *testing.T) {
	got := defaultBank(t).Names()
	want := clipNames()
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("bank names\n got %v\nwant %v", got, want)
	}
}
