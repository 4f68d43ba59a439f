package devices

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/BurntSushi/toml"
)

// DecodeConfig decodes a device's TOML configuration into v, which holds
// the defaults. A key v has no field for is an error naming it: a misspelt
// key would otherwise silently leave a default.
func DecodeConfig(data []byte, v any) error {
	md, err := toml.Decode(string(data), v)
	if err != nil {
		return err
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return fmt.Errorf("unknown key(s): %s", strings.Join(keys, ", "))
	}
	return nil
}

// Version is the version a device reports: set (by -ldflags '-X
// main.version=…') when not empty, else the module's, else "dev".
func Version(set string) string {
	if set != "" {
		return set
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
