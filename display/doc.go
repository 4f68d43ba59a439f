// Package display is the scene model of numerek's hall screens: the group
// screen of a location's hall and a counter's own (desk) screen. It keeps
// the public part of a location's queue from a snapshot (queue.View) and
// the events that follow, as queue/state.go keeps the whole, and says what
// a frame shows: rectangles and texts in pixels, in the order to draw them,
// with the blinking of a new call, the clock and the offline mark.
//
// It does not import Ebiten: the thin renderer in display/screen draws its
// frames, and the tests here run without a display. Time comes from an
// injected clock, so blinking is tested on a fake one. The texts are
// measured with the same embedded Go fonts the renderer draws with (they
// have every Polish letter), so layout decisions (what fits, how many more
// numbers wait than fit) are made here, where they can be tested.
//
// A Scene never holds a name, a phone number or any other personal data:
// the View and the public events carry none.
package display
