package main

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const root = "../.."

func TestDebianVersion(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{"release tag", "v1.2.0", "1.2.0", ""},
		{"tag without v", "1.2.0", "1.2.0", ""},
		{"commits after a tag", "v1.2.0-3-gabc1234", "1.2.0+3.gabc1234", ""},
		{"commits after a tag, dirty", "v1.2.0-3-gabc1234-dirty", "1.2.0+3.gabc1234+dirty", ""},
		{"release candidate", "v1.2.0-rc1", "1.2.0~rc1", ""},
		{"after a release candidate", "v1.2.0-rc.2-5-g0123abc", "1.2.0~rc.2+5.g0123abc", ""},
		{"dirty tag", "v0.3-dirty", "0.3+dirty", ""},
		{"no tag: a commit", "db7cc59", "0~gdb7cc59", ""},
		{"no tag: a dirty commit", "db7cc59-dirty", "0~gdb7cc59+dirty", ""},
		{"a Debian version already", "1.2.0+3.gabc1234+dirty", "1.2.0+3.gabc1234+dirty", ""},
		{"a Debian revision", "1.2.0-1", "1.2.0-1", ""},
		{"empty", "", "", "version"},
		{"a branch name", "main", "", "version"},
		{"a space", "1.2 beta", "", "version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DebianVersion(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v, want an error mentioning %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}

// TestDebianVersionOrder: dpkg sorts the versions as their history goes.
func TestDebianVersionOrder(t *testing.T) {
	dpkg, err := exec.LookPath("dpkg")
	if err != nil {
		t.Skip("dpkg not found: not a Debian system")
	}
	history := []string{"db7cc59", "v1.2.0-rc1", "v1.2.0-rc1-2-gabc1234", "v1.2.0", "v1.2.0-3-gabc1234", "v1.2.0-3-gabc1234-dirty", "v1.2.1"}
	var versions []string
	for _, h := range history {
		v, err := DebianVersion(h)
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	for i := 1; i < len(versions); i++ {
		if err := exec.Command(dpkg, "--compare-versions", versions[i-1], "lt", versions[i]).Run(); err != nil {
			t.Errorf("dpkg: %s (%s) is not before %s (%s)", versions[i-1], history[i-1], versions[i], history[i])
		}
	}
}

// fakeELF writes the header of an ELF executable for machine, with a
// program header naming the dynamic loader interp unless it is "": enough
// for the checks of the architecture, and small.
func fakeELF(t *testing.T, path string, machine elf.Machine, interp string) {
	t.Helper()
	var b bytes.Buffer
	le := binary.LittleEndian
	ident := [elf.EI_NIDENT]byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS32), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)}
	var phnum uint16
	if interp != "" {
		phnum = 1
	}
	if machine == elf.EM_AARCH64 {
		ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
		hsize, psize := binary.Size(elf.Header64{}), binary.Size(elf.Prog64{})
		binary.Write(&b, le, elf.Header64{Ident: ident, Type: uint16(elf.ET_EXEC), Machine: uint16(machine),
			Version: uint32(elf.EV_CURRENT), Phoff: uint64(hsize), Ehsize: uint16(hsize), Phentsize: uint16(psize), Phnum: phnum})
		if interp != "" {
			n := uint64(len(interp) + 1)
			binary.Write(&b, le, elf.Prog64{Type: uint32(elf.PT_INTERP), Off: uint64(hsize + psize), Filesz: n, Memsz: n})
		}
	} else {
		hsize, psize := binary.Size(elf.Header32{}), binary.Size(elf.Prog32{})
		binary.Write(&b, le, elf.Header32{Ident: ident, Type: uint16(elf.ET_EXEC), Machine: uint16(machine),
			Version: uint32(elf.EV_CURRENT), Phoff: uint32(hsize), Ehsize: uint16(hsize), Phentsize: uint16(psize), Phnum: phnum})
		if interp != "" {
			n := uint32(len(interp) + 1)
			binary.Write(&b, le, elf.Prog32{Type: uint32(elf.PT_INTERP), Off: uint32(hsize + psize), Filesz: n, Memsz: n})
		}
	}
	if interp != "" {
		b.WriteString(interp + "\x00")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o755); err != nil {
		t.Fatal(err)
	}
}

// fakeBinaries makes every role's binary for every architecture in dir,
// as make dist lays them out.
func fakeBinaries(t *testing.T, dir string) {
	t.Helper()
	for _, a := range Arches {
		for _, r := range Roles {
			interp := "" // static, as most are
			if r.Name == "display" {
				interp = a.Interp // it loads libGL
			}
			fakeELF(t, filepath.Join(dir, a.BinDir, r.Name), a.Machine, interp)
		}
	}
}

func dpkgDeb(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("dpkg-deb", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg-deb %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// controlFields reads the control fields from dpkg-deb --info's output.
func controlFields(info string) map[string]string {
	f := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		// Fields are indented by one space; the listing of the control
		// archive by more.
		if !strings.HasPrefix(line, " ") || strings.HasPrefix(line, "  ") {
			continue
		}
		if k, v, ok := strings.Cut(line[1:], ": "); ok {
			f[k] = v
		}
	}
	return f
}

// entry is one line of dpkg-deb --contents.
type entry struct{ mode, owner string }

func contents(listing string) map[string]entry {
	m := map[string]entry{}
	for _, line := range strings.Split(strings.TrimSpace(listing), "\n") {
		f := strings.Fields(line)
		if len(f) < 6 {
			continue
		}
		m[strings.TrimPrefix(f[len(f)-1], ".")] = entry{f[0], f[1]}
	}
	return m
}

// TestBuild builds every package from fake binaries and the repository's
// units and example configs, and checks each with dpkg-deb --info and
// --contents, and what it unpacks to.
func TestBuild(t *testing.T) {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not found (Debian: dpkg): cannot check the packages")
	}
	dir := t.TempDir()
	bin, out := filepath.Join(dir, "bin"), filepath.Join(dir, "out")
	fakeBinaries(t, bin)
	const version = "1.2.0+3.gabc1234"
	debs, err := Build(Options{Root: root, Bin: bin, Out: out, Version: version, Maintainer: "Test <test@example.org>"})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if got, want := len(debs), len(Roles)*len(Arches); got != want {
		t.Fatalf("got %d packages, want %d: %v", got, want, debs)
	}
	i := 0
	for _, a := range Arches {
		for _, r := range Roles {
			deb := debs[i]
			i++
			name := "numerek-" + r.Name
			t.Run(name+"_"+a.Debian, func(t *testing.T) {
				if got, want := filepath.Base(deb), name+"_"+version+"_"+a.Debian+".deb"; got != want {
					t.Errorf("file name: got %s, want %s", got, want)
				}
				info := dpkgDeb(t, "--info", deb)
				fields := controlFields(info)
				for k, want := range map[string]string{
					"Package": name, "Version": version, "Architecture": a.Debian,
					"Depends":    strings.Join(append(append([]string{}, common...), r.Depends...), ", "),
					"Maintainer": "Test <test@example.org>",
				} {
					if fields[k] != want {
						t.Errorf("%s: got %q, want %q", k, fields[k], want)
					}
				}
				if !strings.HasPrefix(fields["Description"], r.Summary) {
					t.Errorf("Description: got %q, want it to start with %q", fields["Description"], r.Summary)
				}
				for _, script := range []string{"postinst", "prerm", "postrm", "conffiles"} {
					if !strings.Contains(info, " "+script) {
						t.Errorf("the control archive has no %s:\n%s", script, info)
					}
				}
				conf := configDir + "/" + r.ConfigName
				if got := dpkgDeb(t, "--info", deb, "conffiles"); got != conf+"\n" {
					t.Errorf("conffiles: got %q, want %q", got, conf+"\n")
				}

				files := contents(dpkgDeb(t, "--contents", deb))
				want := map[string]entry{
					binDir + "/" + name:               {"-rwxr-xr-x", "root/root"},
					unitDir + "/" + name + ".service": {"-rw-r--r--", "root/root"},
					conf:                              {"-rw-r-----", "root/root"},
				}
				for _, x := range r.Extra {
					want[x.Dest] = entry{"-rw-r--r--", "root/root"}
				}
				for p, w := range want {
					if got, ok := files[p]; !ok {
						t.Errorf("%s: not in the package", p)
					} else if got != w {
						t.Errorf("%s: got %v, want %v", p, got, w)
					}
				}
				for p, e := range files {
					if _, ok := want[p]; !ok && !strings.HasPrefix(e.mode, "d") {
						t.Errorf("%s: in the package, not expected", p)
					}
				}

				// What dpkg would unpack: the repository's files, unchanged,
				// and every path the unit names.
				root2 := filepath.Join(t.TempDir(), "root")
				dpkgDeb(t, "-x", deb, root2)
				for dest, src := range map[string]string{
					unitDir + "/" + name + ".service": filepath.Join(root, "configs", "systemd", name+".service"),
					conf:                              filepath.Join(root, r.Config),
					binDir + "/" + name:               filepath.Join(bin, a.BinDir, r.Name),
				} {
					sameBytes(t, filepath.Join(root2, dest), src)
				}
				unit, err := os.ReadFile(filepath.Join(root2, unitDir, name+".service"))
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range unitPaths(string(unit)) {
					if _, err := os.Stat(filepath.Join(root2, p)); err != nil {
						t.Errorf("the unit names %s, which the package does not install", p)
					}
				}

				ctrl := filepath.Join(t.TempDir(), "control")
				dpkgDeb(t, "-e", deb, ctrl)
				for _, s := range []string{"postinst", "prerm", "postrm"} {
					p := filepath.Join(ctrl, s)
					if out, err := exec.Command("sh", "-n", p).CombinedOutput(); err != nil {
						t.Errorf("%s: sh -n: %v\n%s", s, err, out)
					}
				}
			})
		}
	}
}

func sameBytes(t *testing.T, got, want string) {
	t.Helper()
	g, err := os.ReadFile(got)
	if err != nil {
		t.Errorf("unpacked: %v", err)
		return
	}
	w, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g, w) {
		t.Errorf("%s: not the same bytes as %s", got, want)
	}
}

// unitPaths returns the paths under /usr/bin and /etc/numerek that the
// unit's ExecStart lines name (EnvironmentFile=- is optional).
func unitPaths(unit string) []string {
	var paths []string
	for _, line := range strings.Split(unit, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || !strings.HasPrefix(k, "Exec") {
			continue
		}
		for _, f := range strings.Fields(v) {
			if strings.HasPrefix(f, binDir+"/") || strings.HasPrefix(f, configDir+"/") {
				paths = append(paths, f)
			}
		}
	}
	return paths
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, bin string)
		args    []string
		wantErr string
	}{
		{"no binaries", func(t *testing.T, bin string) {}, nil, "make dist"},
		{"binaries of the other board", func(t *testing.T, bin string) {
			for _, r := range Roles {
				fakeELF(t, filepath.Join(bin, "linux-arm64", r.Name), elf.EM_ARM, "")
			}
		}, []string{"-arch", "arm64"}, "want EM_AARCH64"},
		{"armel's dynamic loader on armhf", func(t *testing.T, bin string) {
			for _, r := range Roles {
				fakeELF(t, filepath.Join(bin, "linux-arm", r.Name), elf.EM_ARM, "/lib/ld-linux.so.3")
			}
		}, []string{"-arch", "armhf"}, "-I /lib/ld-linux-armhf.so.3"},
		{"unknown architecture", func(t *testing.T, bin string) {}, []string{"-arch", "riscv64"}, "riscv64"},
		{"bad version", func(t *testing.T, bin string) {}, []string{"-version", "main"}, "version"},
		{"stray argument", func(t *testing.T, bin string) {}, []string{"extra"}, "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			tt.setup(t, bin)
			args := []string{"-root", root, "-bin", bin, "-out", filepath.Join(dir, "out"), "-version", "1.0.0"}
			err := run(append(args, tt.args...), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}

// TestPostinst runs each role's postinst with the commands it calls
// replaced by stubs that log their arguments: nothing on this machine
// changes.
func TestPostinst(t *testing.T) {
	_, systemd := os.Stat("/run/systemd/system")
	tests := []struct {
		name       string
		role       string
		args       []string
		userExists bool
		want       []string // the calls, in order
	}{
		{"first install", "controller", []string{"configure", ""}, false,
			[]string{"getent passwd numerek", "adduser --system --group --home /nonexistent --no-create-home --shell /usr/sbin/nologin numerek"}},
		{"first install of the dispenser: the group gpio", "dispenser", []string{"configure", ""}, false,
			[]string{"getent passwd numerek", "adduser --system --group --home /nonexistent --no-create-home --shell /usr/sbin/nologin numerek",
				"getent group gpio", "addgroup --system gpio"}},
		{"the user exists", "announcer", []string{"configure", ""}, true, []string{"getent passwd numerek"}},
		{"upgrade", "display", []string{"configure", "1.0.0"}, true, []string{"getent passwd numerek"}},
		{"not configure", "controller", []string{"abort-upgrade", "1.0.0"}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			log := filepath.Join(dir, "calls")
			getent := "2" // not found
			if tt.userExists {
				getent = "0"
			}
			stubs := map[string]string{
				"getent":    "echo \"getent $*\" >>" + log + "\nexit " + getent,
				"adduser":   "echo \"adduser $*\" >>" + log,
				"addgroup":  "echo \"addgroup $*\" >>" + log,
				"systemctl": "echo \"systemctl $*\" >>" + log,
				"chgrp":     "echo \"chgrp $*\" >>" + log,
			}
			for name, body := range stubs {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			var r Role
			for _, x := range Roles {
				if x.Name == tt.role {
					r = x
				}
			}
			script := filepath.Join(dir, "postinst")
			if err := os.WriteFile(script, []byte(postinst(r)), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("/bin/sh", append([]string{script}, tt.args...)...)
			cmd.Env = []string{"PATH=" + dir + ":/usr/bin:/bin"}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("postinst: %v\n%s", err, out)
			}
			data, err := os.ReadFile(log)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			var got []string
			for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if l != "" && !strings.HasPrefix(l, "chgrp") { // the config is this machine's
					got = append(got, l)
				}
			}
			want := tt.want
			if systemd == nil && tt.args[0] == "configure" {
				want = append(want, "systemctl daemon-reload")
				if tt.args[1] != "" {
					want = append(want, "systemctl try-restart numerek-"+tt.role+".service")
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("calls:\ngot  %q\nwant %q", got, want)
			}
		})
	}
}
