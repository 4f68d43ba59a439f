// Command dist builds numerek's Debian packages with nfpm: one package per
// device role (numerek-controller, numerek-dispenser, numerek-announcer,
// numerek-display) for each board architecture (arm64, armhf), from the
// binaries `make dist` cross-builds into dist/linux-arm64 and
// dist/linux-arm. Each package holds the binary in /usr/bin, its systemd
// unit from configs/systemd in /lib/systemd/system, the example
// configuration in /etc/numerek as a conffile (kept on upgrades), and
// maintainer scripts that create the system user numerek and reload
// systemd.
//
// It is a module of its own (tools/dist/go.mod) so that nfpm's
// dependencies stay out of numerek's. From this directory:
//
//	go run . -root ../.. -version 1.2.0
package main

import (
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb" // registers the "deb" packager
	"github.com/goreleaser/nfpm/v2/files"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "dist:", err)
		}
		os.Exit(1)
	}
}

// Role is one device role: one binary under cmd/, one package per
// architecture.
type Role struct {
	Name        string   // the command under cmd/; the package is numerek-Name
	Summary     string   // the package description's first line
	Description string   // the rest of it
	Config      string   // the example configuration, relative to the repository
	ConfigName  string   // its name in /etc/numerek
	Depends     []string // Debian packages it needs at run time
	Recommends  []string
	Groups      []string // system groups its unit needs that a plain Debian lacks
	Extra       []Extra  // more files
}

// Extra is a file the tool writes into a package.
type Extra struct {
	Dest    string
	Mode    os.FileMode
	Content string
}

// common are what every package depends on: adduser for the postinst.
var common = []string{"adduser"}

// Roles are the packages, in the order they are built.
var Roles = []Role{
	{
		Name:    "controller",
		Summary: "numerek branch controller (queue engine, LAN API, web pages)",
		Description: "The branch controller of numerek, the queue and appointment system of a city\n" +
			"hall: the queue engine on its bbolt database, the LAN API and event stream\n" +
			"of the devices, the clerk terminal and the public pages.",
		Config:     "configs/numerek.toml",
		ConfigName: "numerek.toml",
		Recommends: []string{"systemd-timesyncd | time-daemon"},
	},
	{
		Name:    "dispenser",
		Summary: "numerek ticket dispenser (GPIO buttons, ESC/POS printer)",
		Description: "The ticket machine of numerek: buttons on GPIO pins, tickets from the branch\n" +
			"controller printed with a QR code on an ESC/POS printer (USB, serial or TCP),\n" +
			"a status LED.",
		Config:     "configs/devices/dispenser-centrum.toml",
		ConfigName: "dispenser.toml",
		Recommends: []string{"systemd-timesyncd | time-daemon"},
		Groups:     []string{"gpio"},
		Extra: []Extra{{
			Dest: "/lib/udev/rules.d/60-numerek-gpio.rules",
			Mode: 0o644,
			// Raspberry Pi OS has the same rules in 99-com.rules; Debian
			// leaves the GPIO devices to root.
			Content: "# numerek-dispenser: the group gpio may use the GPIO pins (buttons, LED).\n" +
				"SUBSYSTEM==\"gpio\", KERNEL==\"gpiochip*\", GROUP=\"gpio\", MODE=\"0660\"\n" +
				"KERNEL==\"gpiomem*\", GROUP=\"gpio\", MODE=\"0660\"\n",
		}},
	},
	{
		Name:    "announcer",
		Summary: "numerek announcer (spoken calls in Polish)",
		Description: "The announcer of numerek: it follows a location's calls on the branch\n" +
			"controller and says each one in Polish on the speakers, through ALSA's aplay.",
		Config:     "configs/devices/announcer-centrum.toml",
		ConfigName: "announcer.toml",
		Depends:    []string{"alsa-utils"},
		Recommends: []string{"systemd-timesyncd | time-daemon"},
	},
	{
		Name:    "display",
		Summary: "numerek display (hall and counter screens)",
		Description: "The hall screen or a counter's own screen of numerek, full screen on X11\n" +
			"with OpenGL: the numbers called, the queues, the clock.",
		Config:     "configs/devices/display-centrum.toml",
		ConfigName: "display.toml",
		// Ebiten loads these at run time (DESIGN.md).
		Depends: []string{"libgl1", "libgl1-mesa-dri", "libx11-6", "libxcursor1", "libxext6", "libxi6",
			"libxinerama1", "libxrandr2", "libxrender1"},
		Recommends: []string{"systemd-timesyncd | time-daemon", "x11-xserver-utils"},
	},
}

// Arch is a board architecture: Debian's name, the folder of its binaries
// under dist/, the ELF machine they must be for, and the dynamic loader a
// binary that loads libraries (the display: libGL) must name.
type Arch struct {
	Debian  string
	BinDir  string
	Machine elf.Machine
	Interp  string
}

// Arches are the architectures make dist builds.
var Arches = []Arch{
	{"arm64", "linux-arm64", elf.EM_AARCH64, "/lib/ld-linux-aarch64.so.1"},
	// GOARM=7: ARMv7 boards (Pi 2 and later). Go names armel's loader,
	// /lib/ld-linux.so.3, unless linked with -I.
	{"armhf", "linux-arm", elf.EM_ARM, "/lib/ld-linux-armhf.so.3"},
}

// Options say what to build and where.
type Options struct {
	Root       string // the repository
	Bin        string // holds linux-arm64/ and linux-arm/ with the binaries
	Out        string // where the .deb files go
	Version    string // a Debian version (see DebianVersion)
	Maintainer string
	Arches     []Arch
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dist", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("root", "../..", "the numerek repository")
	bin := fs.String("bin", "", "`dir` with linux-arm64/ and linux-arm/ (default ROOT/dist)")
	out := fs.String("out", "", "`dir` for the .deb files (default ROOT/dist)")
	version := fs.String("version", "", "package version: v1.2.0, 1.2.0-3-gabc1234-dirty, … (default: git describe --tags --always --dirty)")
	maintainer := fs.String("maintainer", "numerek <numerek@users.noreply.github.com>", "the packages' Maintainer")
	arches := fs.String("arch", "arm64,armhf", "comma-separated Debian `architectures`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o := Options{Root: *root, Bin: *bin, Out: *out, Maintainer: *maintainer}
	if o.Bin == "" {
		o.Bin = filepath.Join(o.Root, "dist")
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Root, "dist")
	}
	v := *version
	if v == "" {
		d, err := exec.Command("git", "-C", o.Root, "describe", "--tags", "--always", "--dirty").Output()
		if err != nil {
			return fmt.Errorf("-version not given and git describe failed: %w", err)
		}
		v = strings.TrimSpace(string(d))
	}
	var err error
	if o.Version, err = DebianVersion(v); err != nil {
		return err
	}
	for _, name := range strings.Split(*arches, ",") {
		a, ok := findArch(strings.TrimSpace(name))
		if !ok {
			return fmt.Errorf("-arch: unknown architecture %q (want arm64 or armhf)", name)
		}
		o.Arches = append(o.Arches, a)
	}
	debs, err := Build(o)
	for _, d := range debs {
		fi, serr := os.Stat(d)
		if serr == nil {
			fmt.Fprintf(stdout, "%9d  %s\n", fi.Size(), d)
		}
	}
	return err
}

func findArch(name string) (Arch, bool) {
	for _, a := range Arches {
		if a.Debian == name {
			return a, true
		}
	}
	return Arch{}, false
}

var (
	// git describe: v1.2.0, v1.2.0-rc.1, v1.2.0-3-gabc1234, each maybe -dirty.
	describeTag = regexp.MustCompile(`^v?([0-9]+(?:\.[0-9]+)*)(?:-((?:rc|alpha|beta|pre)[.0-9a-z]*))?(?:-([0-9]+)-g([0-9a-f]+))?(-dirty)?$`)
	// git describe --always without a tag: the short commit, maybe -dirty.
	describeHash = regexp.MustCompile(`^([0-9a-f]{7,40})(-dirty)?$`)
	// What dpkg accepts as an upstream version without an epoch.
	debianVersion = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~-]*$`)
)

// DebianVersion turns what `git describe --tags --always --dirty` says
// into a Debian version that sorts the same way: a pre-release before its
// release (1.2.0~rc1), commits after a tag after it (1.2.0+3.gabc1234), a
// build without any tag before every release (0~gabc1234). A version that
// already is a Debian version is kept.
func DebianVersion(s string) (string, error) {
	if m := describeTag.FindStringSubmatch(s); m != nil {
		v := m[1]
		if m[2] != "" {
			v += "~" + m[2]
		}
		if m[3] != "" {
			v += "+" + m[3] + ".g" + m[4]
		}
		if m[5] != "" {
			v += "+dirty"
		}
		return v, nil
	}
	if m := describeHash.FindStringSubmatch(s); m != nil {
		v := "0~g" + m[1]
		if m[2] != "" {
			v += "+dirty"
		}
		return v, nil
	}
	if debianVersion.MatchString(s) {
		return s, nil
	}
	return "", fmt.Errorf("version %q: want a git describe (v1.2.0, v1.2.0-3-gabc1234-dirty) or a Debian version", s)
}

// Build writes one package per role and architecture into o.Out and
// returns their paths.
func Build(o Options) ([]string, error) {
	if len(o.Arches) == 0 {
		o.Arches = Arches
	}
	if _, err := DebianVersion(o.Version); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "numerek-dist-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var debs []string
	for _, a := range o.Arches {
		for _, r := range Roles {
			p, err := buildOne(o, r, a, filepath.Join(tmp, a.Debian+"-"+r.Name))
			if err != nil {
				return debs, fmt.Errorf("numerek-%s (%s): %w", r.Name, a.Debian, err)
			}
			debs = append(debs, p)
		}
	}
	return debs, nil
}

// Where things go on the board.
const (
	binDir    = "/usr/bin"
	unitDir   = "/lib/systemd/system"
	configDir = "/etc/numerek"
)

func buildOne(o Options, r Role, a Arch, tmp string) (string, error) {
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", err
	}
	name := "numerek-" + r.Name
	bin := filepath.Join(o.Bin, a.BinDir, r.Name)
	if err := checkELF(bin, a); err != nil {
		return "", err
	}
	unit := filepath.Join(o.Root, "configs", "systemd", name+".service")
	config := filepath.Join(o.Root, r.Config)
	for _, f := range []string{unit, config} {
		if _, err := os.Stat(f); err != nil {
			return "", err
		}
	}
	contents := files.Contents{
		{Source: bin, Destination: binDir + "/" + name, FileInfo: &files.ContentFileInfo{Mode: 0o755}},
		{Source: unit, Destination: unitDir + "/" + name + ".service", FileInfo: &files.ContentFileInfo{Mode: 0o644}},
		// 0640: device tokens and clerks' password hashes. The postinst
		// gives it to the group numerek, which the service runs as.
		{Source: config, Destination: configDir + "/" + r.ConfigName, Type: files.TypeConfig,
			FileInfo: &files.ContentFileInfo{Mode: 0o640}},
	}
	for i, x := range r.Extra {
		src := filepath.Join(tmp, fmt.Sprintf("extra-%d", i))
		if err := os.WriteFile(src, []byte(x.Content), 0o644); err != nil {
			return "", err
		}
		contents = append(contents, &files.Content{Source: src, Destination: x.Dest, FileInfo: &files.ContentFileInfo{Mode: x.Mode}})
	}
	scripts := map[string]string{"postinst": postinst(r), "prerm": prerm(r), "postrm": postrm(r)}
	for n, s := range scripts {
		if err := os.WriteFile(filepath.Join(tmp, n), []byte(s), 0o755); err != nil {
			return "", err
		}
	}
	info := nfpm.WithDefaults(&nfpm.Info{
		Name:          name,
		Arch:          a.Debian,
		Platform:      "linux",
		Version:       o.Version,
		VersionSchema: "none", // already a Debian version
		Section:       "misc",
		Priority:      "optional",
		Maintainer:    o.Maintainer,
		Description:   r.Summary + "\n" + r.Description,
		Homepage:      "https://github.com/numerek/numerek",
		Overridables: nfpm.Overridables{
			Depends:    append(append([]string{}, common...), r.Depends...),
			Recommends: r.Recommends,
			Contents:   contents,
			Scripts: nfpm.Scripts{
				PostInstall: filepath.Join(tmp, "postinst"),
				PreRemove:   filepath.Join(tmp, "prerm"),
				PostRemove:  filepath.Join(tmp, "postrm"),
			},
			Deb: nfpm.Deb{Compression: "xz"},
		},
	})
	if err := info.Validate(); err != nil {
		return "", err
	}
	pkg, err := nfpm.Get("deb")
	if err != nil {
		return "", err
	}
	path := filepath.Join(o.Out, pkg.ConventionalFileName(info))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if err := pkg.Package(info, f); err != nil {
		f.Close()
		os.Remove(path)
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	return path, nil
}

// checkELF makes sure path is a binary for a, with a's dynamic loader if
// it has one: a package for the wrong board installs, but does not run.
func checkELF(path string, a Arch) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("binary: %w (run make dist, which builds it first)", err)
	}
	defer f.Close()
	if f.Machine != a.Machine {
		return fmt.Errorf("binary %s is for %s, want %s", path, f.Machine, a.Machine)
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(p.Open())
		if err != nil {
			return fmt.Errorf("binary %s: its dynamic loader: %w", path, err)
		}
		if got := strings.TrimRight(string(b), "\x00"); got != a.Interp {
			return fmt.Errorf("binary %s names the dynamic loader %s; %s's is %s (link with -ldflags=-I %s)",
				path, got, a.Debian, a.Interp, a.Interp)
		}
	}
	return nil
}

// The maintainer scripts. dpkg runs them with /bin/sh; they must not fail
// where there is no systemd (a container, a chroot).

func postinst(r Role) string {
	var b strings.Builder
	fmt.Fprintf(&b, `#!/bin/sh
# postinst of numerek-%[1]s (made by tools/dist)
set -e
if [ "$1" = configure ]; then
	if ! getent passwd numerek >/dev/null; then
		# No home: the controller's state is its StateDirectory,
		# /var/lib/numerek.
		adduser --system --group --home /nonexistent --no-create-home \
			--shell /usr/sbin/nologin numerek
	fi
`, r.Name)
	for _, g := range r.Groups {
		fmt.Fprintf(&b, "\tgetent group %[1]s >/dev/null || addgroup --system %[1]s\n", g)
	}
	fmt.Fprintf(&b, `	# The service reads its configuration as numerek; leave a group an
	# administrator chose alone.
	conf=%[2]s/%[3]s
	if [ -f "$conf" ] && [ "$(stat -c %%G "$conf")" = root ]; then
		chgrp numerek "$conf"
	fi
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload || true
		# An upgrade: the running service takes the new binary.
		if [ -n "$2" ]; then
			systemctl try-restart numerek-%[1]s.service || true
		fi
	fi
fi
exit 0
`, r.Name, configDir, r.ConfigName)
	return b.String()
}

func prerm(r Role) string {
	return fmt.Sprintf(`#!/bin/sh
# prerm of numerek-%[1]s (made by tools/dist)
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
	systemctl disable --now numerek-%[1]s.service || true
fi
exit 0
`, r.Name)
}

func postrm(r Role) string {
	return fmt.Sprintf(`#!/bin/sh
# postrm of numerek-%[1]s (made by tools/dist). The database, the user
# numerek and, unless purged, the configuration stay.
set -e
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload || true
fi
exit 0
`, r.Name)
}
