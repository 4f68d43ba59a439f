package audio

import (
	"fmt"
	"strconv"
	"strings"
)

// Clip names that are not numbers or letters.
const (
	ChimeName   = "chime"      // the generated two-tone chime, not a clip file
	NumerWord   = "numer"      // "numer"
	CounterWord = "stanowisko" // "stanowisko"
)

// Clip names are ASCII slugs of the Polish words, without diacritics
// ("piec" is "pięć"); scripts/clips.sh maps each back to its spelling.
var (
	ones  = [...]string{"zero", "jeden", "dwa", "trzy", "cztery", "piec", "szesc", "siedem", "osiem", "dziewiec"}
	teens = [...]string{"dziesiec", "jedenascie", "dwanascie", "trzynascie", "czternascie",
		"pietnascie", "szesnascie", "siedemnascie", "osiemnascie", "dziewietnascie"}
	tens = [...]string{"", "", "dwadziescia", "trzydziesci", "czterdziesci", "piecdziesiat",
		"szescdziesiat", "siedemdziesiat", "osiemdziesiat", "dziewiecdziesiat"}
	hundreds = [...]string{"", "sto", "dwiescie", "trzysta", "czterysta", "piecset",
		"szescset", "siedemset", "osiemset", "dziewiecset"}
)

// Thousands: 1000 "tysiąc", 2000-4000 "dwa tysiące", 5000-9000 "pięć tysięcy".
const (
	thousandOne  = "tysiac"
	thousandFew  = "tysiace"
	thousandMany = "tysiecy"
)

// MaxNumber is the largest number NumberWords speaks. Ticket numbers pass 999
// on a busy day (queue formats them "%03d", so A1000 follows A999).
const MaxNumber = 9999

// NumberWords returns the clip names that say n in Polish, n in 0..9999:
// 0 "zero", 21 "dwadziescia jeden", 112 "sto dwanascie", 200 "dwiescie",
// 305 "trzysta piec", 1234 "tysiac dwiescie trzydziesci cztery".
func NumberWords(n int) ([]string, error) {
	if n < 0 || n > MaxNumber {
		return nil, fmt.Errorf("audio: number %d is not in 0-%d", n, MaxNumber)
	}
	if n == 0 {
		return []string{ones[0]}, nil
	}
	var w []string
	switch t := n / 1000; {
	case t == 1:
		w = append(w, thousandOne)
	case t >= 2 && t <= 4:
		w = append(w, ones[t], thousandFew)
	case t >= 5:
		w = append(w, ones[t], thousandMany)
	}
	n %= 1000
	if h := n / 100; h > 0 {
		w = append(w, hundreds[h])
	}
	n %= 100
	switch {
	case n >= 20:
		w = append(w, tens[n/10])
		if n%10 > 0 {
			w = append(w, ones[n%10])
		}
	case n >= 10:
		w = append(w, teens[n-10])
	case n > 0:
		w = append(w, ones[n])
	}
	return w, nil
}

// letters are the Polish names of the Latin letters, as said when spelling.
var letters = map[rune]string{
	'a': "a", 'b': "be", 'c': "ce", 'd': "de", 'e': "e", 'f': "ef", 'g': "gie",
	'h': "ha", 'i': "i", 'j': "jot", 'k': "ka", 'l': "el", 'm': "em", 'n': "en",
	'o': "o", 'p': "pe", 'q': "ku", 'r': "er", 's': "es", 't': "te", 'u': "u",
	'v': "fau", 'w': "wu", 'x': "iks", 'y': "igrek", 'z': "zet",
}

// LetterWord returns the clip name of a letter's Polish name (b "be",
// y "igrek"), for A-Z in either case.
func LetterWord(r rune) (string, error) {
	if r >= 'A' && r <= 'Z' {
		r += 'a' - 'A'
	}
	w, ok := letters[r]
	if !ok {
		return "", fmt.Errorf("audio: letter %q is not in A-Z", r)
	}
	return w, nil
}

// Phrase returns the clip names of a call: ticket number (a letter A-Z and
// 1-4 digits, "A012") to counter (1-999), e.g. "A012", 5:
//
//	chime, numer, a, dwanascie, stanowisko, numer, piec
//
// "(ding-dong) Numer A dwanaście, stanowisko numer pięć." Why this wording:
//   - It is what Polish offices' systems say ("Numer A12, stanowisko 5"), so
//     visitors know it; the chime first turns heads before the words start.
//   - The ticket number comes first: people listen for their own number and
//     only then need to know where to go.
//   - "numer" before the ticket makes "A" heard as a letter, not a word
//     ("a" is also Polish for "and"); leading zeros are not spoken
//     (A012 is "A dwanaście", as people read it).
//   - "stanowisko numer pięć" rather than "stanowisko piąte" or "do stanowiska
//     piątego": a cardinal needs no case endings, so one clip per number
//     serves both tickets and counters, and it matches the sign on the desk.
//   - Short: about three seconds of speech, so calls never queue up.
func Phrase(number string, counter int) ([]string, error) {
	letter, n, err := parseNumber(number)
	if err != nil {
		return nil, err
	}
	if counter < 1 || counter > 999 {
		return nil, fmt.Errorf("audio: counter %d is not in 1-999", counter)
	}
	lw, err := LetterWord(letter)
	if err != nil {
		return nil, err
	}
	nw, _ := NumberWords(n) // parseNumber keeps n in range
	cw, _ := NumberWords(counter)
	p := make([]string, 0, 4+len(nw)+len(cw))
	p = append(p, ChimeName, NumerWord, lw)
	p = append(p, nw...)
	p = append(p, CounterWord, NumerWord)
	return append(p, cw...), nil
}

// parseNumber splits a ticket number "A012" into its letter and value.
func parseNumber(number string) (rune, int, error) {
	if len(number) < 2 || len(number) > 5 {
		return 0, 0, fmt.Errorf("audio: ticket number %q: want a letter and 1-4 digits, like A012", number)
	}
	l := rune(number[0])
	if !(l >= 'A' && l <= 'Z' || l >= 'a' && l <= 'z') {
		return 0, 0, fmt.Errorf("audio: ticket number %q: does not start with a letter A-Z", number)
	}
	digits := number[1:]
	if strings.Trim(digits, "0123456789") != "" {
		return 0, 0, fmt.Errorf("audio: ticket number %q: want digits after the letter", number)
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		return 0, 0, fmt.Errorf("audio: ticket number %q: %w", number, err)
	}
	return l, n, nil
}

// clipNames lists every clip name Phrase can produce, except the chime.
func clipNames() []string {
	seen := map[string]bool{NumerWord: true, CounterWord: true}
	for n := 0; n <= MaxNumber; n++ {
		w, _ := NumberWords(n)
		for _, x := range w {
			seen[x] = true
		}
	}
	for _, x := range letters {
		seen[x] = true
	}
	names := make([]string, 0, len(seen))
	for x := range seen {
		names = append(names, x)
	}
	return names
}
