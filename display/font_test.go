package display

import (
	"reflect"
	"testing"
)

// TestFontsHavePolish checks that both embedded fonts have a glyph for
// every letter of the Polish alphabet and every character of the screens'
// texts: a missing one would draw as an empty box.
func TestFontsHavePolish(t *testing.T) {
	m := newMetrics()
	all := "AĄBCĆDEĘFGHIJKLŁMNŃOÓPRSŚTUWYZŹŻaąbcćdeęfghijklłmnńoóprsśtuwyzźż0123456789–…:,.+"
	for _, tx := range []*texts{&polish, &english} {
		v := reflect.ValueOf(*tx)
		for i := range v.NumField() {
			switch f := v.Field(i); f.Kind() {
			case reflect.String:
				all += f.String()
			case reflect.Array:
				for j := range f.Len() {
					all += f.Index(j).String()
				}
			}
		}
	}
	for _, face := range []Face{Regular, Bold} {
		for _, r := range all {
			if gi, err := m.fonts[face].GlyphIndex(&m.buf, r); err != nil || gi == 0 {
				t.Errorf("font %d has no glyph for %q", face, r)
			}
		}
	}
}
