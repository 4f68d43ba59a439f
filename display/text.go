package display

import (
	"fmt"
	"time"
)

// texts are a screen's words in one language.
type texts struct {
	nowCalling string // over the newest call
	counterN   string // "Stanowisko %d"
	noCalls    string
	recent     string
	number     string
	counter    string
	waiting    string
	nobody     string
	more       string // "jeszcze %d": more numbers wait than fit
	offline    string
	connecting string
	closed     string // the location is outside its opening hours
	pleaseCome string // desk: a number just called
	serving    string // desk: the client is at the counter
	idle       string // desk: staffed, nobody called yet
	onBreak    string // desk: not staffed within opening hours
	elsewhere  string // desk: under onBreak
	noCounter  string // desk: the location has no such counter
	weekdays   [7]string
	months     [12]string // as a date says them
}

var polish = texts{
	nowCalling: "Wzywany numer",
	counterN:   "Stanowisko %d",
	noCalls:    "Brak wezwań",
	recent:     "Ostatnie wezwania",
	number:     "Numer",
	counter:    "Stanowisko",
	waiting:    "Czekają na obsługę",
	nobody:     "Nikt nie czeka",
	more:       "jeszcze %d",
	offline:    "Brak połączenia",
	connecting: "Łączenie z systemem kolejkowym…",
	closed:     "Nieczynne",
	pleaseCome: "Zapraszamy",
	serving:    "Obsługiwany numer",
	idle:       "Proszę czekać na wezwanie",
	onBreak:    "Przerwa",
	elsewhere:  "Prosimy podejść do innego stanowiska",
	noCounter:  "Brak stanowiska %d w tym biurze",
	weekdays:   [7]string{"niedziela", "poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota"},
	// The genitive, as a date says it: "24 listopada".
	months: [12]string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia",
		"września", "października", "listopada", "grudnia"},
}

var english = texts{
	nowCalling: "Now calling",
	counterN:   "Counter %d",
	noCalls:    "No calls yet",
	recent:     "Recent calls",
	number:     "Number",
	counter:    "Counter",
	waiting:    "Waiting for service",
	nobody:     "Nobody is waiting",
	more:       "%d more",
	offline:    "Offline",
	connecting: "Connecting to the queue system…",
	closed:     "Closed",
	pleaseCome: "Please come",
	serving:    "Now serving",
	idle:       "Please wait to be called",
	onBreak:    "Break",
	elsewhere:  "Please go to another counter",
	noCounter:  "No counter %d at this office",
	weekdays:   [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	months: [12]string{"January", "February", "March", "April", "May", "June", "July", "August",
		"September", "October", "November", "December"},
}

// textsFor returns the texts of language lang: "en" is English, anything
// else Polish.
func textsFor(lang string) *texts {
	if lang == "en" {
		return &english
	}
	return &polish
}

// date is t's weekday and date, "wtorek, 24 listopada".
func (tx *texts) date(t time.Time) string {
	return fmt.Sprintf("%s, %d %s", tx.weekdays[t.Weekday()], t.Day(), tx.months[t.Month()-1])
}
