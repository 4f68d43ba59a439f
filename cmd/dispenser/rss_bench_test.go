package main

import (
	"bufio"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/numerek/numerek/devices/devicetest"
)

// BenchmarkResidentMemory builds the dispenser, runs it against a real
// controller on loopback with the press page, presses b.N times and reports
// the process's resident memory (VmRSS) and its peak (VmHWM) from /proc.
// "virtual" renders every ticket to a PNG; "device" writes ESC/POS to a
// file, as to /dev/usb/lp0.
func BenchmarkResidentMemory(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs Linux's /proc")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "dispenser")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, kind := range []string{"virtual", "device"} {
		b.Run(kind, func(b *testing.B) {
			base := startController(b)
			printerTable := "transport = \"virtual\"\ndir = \"" + filepath.ToSlash(b.TempDir()) + "\""
			if kind == "device" {
				lp := filepath.Join(b.TempDir(), "lp0")
				if err := os.WriteFile(lp, nil, 0o644); err != nil {
					b.Fatal(err)
				}
				printerTable = "transport = \"usb\"\npath = \"" + filepath.ToSlash(lp) + "\""
			}
			cfg := "controller = \"" + base + "\"\ntoken = \"demo-centrum-dispenser\"\nlocation = \"centrum\"\n" +
				"local_page = \"127.0.0.1:0\"\nservices = [\"A\"]\nkeyboard = false\n[printer]\n" + printerTable + "\n"
			path := filepath.Join(b.TempDir(), "d.toml")
			if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
				b.Fatal(err)
			}
			cmd := exec.Command(bin, "-config", path, "-log", "warn")
			stdout, _ := cmd.StdoutPipe()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			defer func() {
				cmd.Process.Signal(syscall.SIGTERM)
				cmd.Wait()
			}()
			page := ""
			sc := bufio.NewScanner(stdout)
			for page == "" && sc.Scan() {
				if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "press" {
					page = f[2]
				}
			}
			if page == "" {
				b.Fatal("no press page URL on standard output")
			}
			go func() {
				for sc.Scan() {
				}
			}()
			b.ResetTimer()
			for range b.N {
				resp, err := http.PostForm(page+"press", url.Values{"service": {"A"}})
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				time.Sleep(30 * time.Millisecond) // one ticket at a time: presses while busy are ignored
			}
			b.StopTimer()
			reportMemory(b, cmd.Process.Pid)
		})
	}
}

// reportMemory adds the resident memory of process pid, and its peak, in MB.
func reportMemory(b *testing.B, pid int) {
	rss, peak, err := devicetest.Memory(pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
}
