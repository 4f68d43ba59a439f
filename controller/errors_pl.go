package controller

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/numerek/numerek/queue"
)

// errorsPL translates the formats of error messages (queue.Error.Format)
// into Polish. It covers every format given to queue.Errorf in packages
// queue and controller, with the same verbs for the same arguments (a test
// checks both).
var errorsPL = map[string]string{
	// Device heartbeats.
	"field \"status\" must be ok, degraded or error, not %q":                                     "Pole \"status\" musi mieć wartość ok, degraded lub error, a nie %q",
	"field \"printer\" must be ok, offline, paper_out, paper_low, cover_open or unknown, not %q": "Pole \"printer\" musi mieć wartość ok, offline, paper_out, paper_low, cover_open lub unknown, a nie %q",
	"text fields of a heartbeat must be at most 200 bytes":                                       "Pola tekstowe sygnału życia mogą mieć najwyżej 200 bajtów",
	"text fields of a heartbeat must be UTF-8":                                                   "Pola tekstowe sygnału życia muszą być w UTF-8",
	"field \"uptime_s\" must not be negative":                                                    "Pole \"uptime_s\" nie może być ujemne",

	// Package booking: the online booking.
	"%s cannot be booked at %s":                                                                            "Na usługę „%s” nie można umówić się w biurze %s",
	"%s has just been taken: choose another time":                                                          "Termin %s został właśnie zajęty: wybierz inny",
	"%s is not a date that can be booked: choose one from %s to %s":                                        "Nie można umówić się na dzień %s: wybierz dzień od %s do %s",
	"%s is not a time that can be booked":                                                                  "Nie można umówić się na %s",
	"enter your first and last name, or a company name":                                                    "Podaj imię i nazwisko albo nazwę firmy",
	"enter your first name too":                                                                            "Podaj także imię",
	"enter your last name too":                                                                             "Podaj także nazwisko",
	"fill in your name and contact first":                                                                  "Najpierw podaj swoje dane i kontakt",
	"no code was sent yet: fill in your name and contact first":                                            "Nie wysłano jeszcze kodu: najpierw podaj swoje dane i kontakt",
	"no more codes can be sent for this booking: choose a time again":                                      "Dla tej rezerwacji nie można wysłać więcej kodów: wybierz termin jeszcze raz",
	"no such booking":                                                                                      "Nie ma takiej rezerwacji",
	"the first name is longer than %d characters":                                                          "Imię jest dłuższe niż %d znaków",
	"the last name is longer than %d characters":                                                           "Nazwisko jest dłuższe niż %d znaków",
	"the company name is longer than %d characters":                                                        "Nazwa firmy jest dłuższa niż %d znaków",
	"the first name has characters that are not allowed":                                                   "Imię zawiera niedozwolone znaki",
	"the last name has characters that are not allowed":                                                    "Nazwisko zawiera niedozwolone znaki",
	"the company name has characters that are not allowed":                                                 "Nazwa firmy zawiera niedozwolone znaki",
	"the code has 6 digits":                                                                                "Kod ma 6 cyfr",
	"the code has expired: ask for a new code":                                                             "Kod wygasł: poproś o nowy kod",
	"the code is not right: %d tries left":                                                                 "Kod jest niepoprawny. Pozostałe próby: %d",
	"the code was typed wrong %d times: ask for a new code":                                                "Kod wpisano błędnie %d razy: poproś o nowy kod",
	"the office is sending too many codes right now: try again in a few minutes":                           "Biuro wysyła teraz zbyt wiele kodów: spróbuj ponownie za kilka minut",
	"the time you chose was kept for you for %d minutes and is free again: choose a time again":            "Wybrany termin czekał na Ciebie %d minut i jest znów wolny: wybierz termin jeszcze raz",
	"this booking is being confirmed right now: reload the page in a moment":                               "Ta wizyta jest właśnie potwierdzana: odśwież stronę za chwilę",
	"this booking is already confirmed":                                                                    "Ta wizyta jest już potwierdzona",
	"this booking was cancelled":                                                                           "Ta wizyta została odwołana",
	"this phone number or e-mail address already has %d booked visits to come: cancel one to book another": "Ten numer telefonu lub adres e-mail ma już %d umówione wizyty: odwołaj jedną, by umówić kolejną",
	"too many codes were asked for from your address in the last hour: try again later":                    "W ostatniej godzinie z Twojego adresu poproszono o zbyt wiele kodów: spróbuj później",
	"too many codes were sent to this phone number or e-mail address in the last hour: try again later":    "W ostatniej godzinie na ten numer lub adres e-mail wysłano zbyt wiele kodów: spróbuj później",
	"too many times were chosen from your address in the last hour: try again later":                       "W ostatniej godzinie z Twojego adresu wybrano zbyt wiele terminów: spróbuj później",

	// Package queue: locations, services, counters, issuing and booking.
	"idempotency key is longer than 128 characters":               "Klucz idempotencji jest dłuższy niż 128 znaków",
	"idempotency key was already used for a ticket of service %s": "Ten klucz idempotencji użyto już dla numeru usługi %s",
	"%s is closed now (today: %s)":                                "%s jest teraz zamknięte (dziś: %s)",
	"the ticket of this idempotency key is no longer open":        "Numer z tym kluczem idempotencji nie jest już aktywny",
	"service %s cannot be booked":                                 "Na usługę %s nie można się umówić",
	"no counter at %s takes booked visits for service %s":         "W biurze %s żadne stanowisko nie przyjmuje umówionych wizyt na usługę %s",
	"booked time %s is not in the future":                         "Termin wizyty %s musi być w przyszłości",
	"booked time %s is more than %d days ahead":                   "Termin wizyty %s wypada później niż za %d dni",
	"%s is closed at %s (that day: %s)":                           "%s jest zamknięte w terminie %s (tego dnia: %s)",
	"unknown location %q":                                         "Nieznane biuro %q",
	"unknown service %q":                                          "Nieznana usługa %q",
	"service %s is not offered at %s":                             "Usługa %s nie jest dostępna w biurze %s",
	"ticket number is missing":                                    "Nie podano numeru",
	"no ticket %q at %s today":                                    "Dziś nie ma numeru %q w biurze %s",
	"nobody is waiting for the services of counter %d":            "Nikt nie czeka na sprawy obsługiwane przy stanowisku %d",
	"nobody is called at counter %d":                              "Do stanowiska %d nikt nie jest wezwany",
	"counter %d is taken by %s: they must leave it first":         "Stanowisko %d zajmuje %s: najpierw musi je zwolnić",
	"counter %d is now held by %s":                                "Stanowisko %d zajmuje teraz %s",
	"counter %d still has %s: finish it first":                    "Przy stanowisku %d jest nadal numer %s: najpierw zakończ obsługę",
	"unknown counter %d at %s":                                    "Nie ma stanowiska %d w biurze %s",
	"counter %d at %s is not open: nobody is logged in there":     "Stanowisko %d w biurze %s jest nieczynne: nikt nie jest przy nim zalogowany",

	// Package queue: tickets in the wrong state.
	"%s is %s":                                      "Numer %s ma status %s",
	"%s is %s, not missed":                          "Numer %s ma status %s, a nie „nieobecny”",
	"%s is %s, not in the queue":                    "Numer %s ma status %s i nie czeka w kolejce",
	"%s is already being served":                    "Numer %s jest już obsługiwany",
	"%s is already at counter %d":                   "Numer %s jest już przy stanowisku %d",
	"%s is already in service %s":                   "Numer %s jest już przypisany do usługi %s",
	"%s is booked for %s, not today":                "Numer %s jest umówiony na %s, nie na dziś",
	"%s came and is being served; use finish":       "Klient z numerem %s podszedł i jest obsługiwany: użyj „Zakończ”",
	"%s left the queue as missed: restore it first": "Numer %s opuścił kolejkę jako nieobecny: najpierw go przywróć",

	// Package queue: a counter busy with a ticket.
	"counter %d still has %s: finish, transfer or mark a no-show first":                             "Przy stanowisku %d jest nadal numer %s: najpierw zakończ obsługę, przekieruj go albo oznacz, że klient się nie zgłosił",
	"%s is still called at counter %d: mark that the client came, did not show up, or finish first": "Numer %s jest nadal wezwany do stanowiska %d: najpierw oznacz, że klient podszedł albo się nie zgłosił, lub zakończ obsługę",

	// Package controller: routes and requests.
	"no API endpoint %s %s":                                   "Nie ma punktu końcowego API %s %s",
	"field \"service\" is missing":                            "Brak pola \"service\"",
	"Idempotency-Key header and idempotency_key field differ": "Nagłówek Idempotency-Key i pole idempotency_key się różnią",
	"no such ticket":                                          "Nie ma takiego numeru",
	"counter number %q is not a positive whole number":        "Numer stanowiska %q nie jest dodatnią liczbą całkowitą",
	"unknown counter action %q":                               "Nieznana czynność stanowiska %q",
	"unknown ticket action %q":                                "Nieznana czynność dla numeru %q",

	// Package controller: clerks, sessions and devices.
	"clerk %s does not work at %s":                      "Konto %s nie ma dostępu do biura %s",
	"take a counter first":                              "Najpierw wybierz stanowisko",
	"you are at counter %d at %s, not counter %d at %s": "Zajmujesz stanowisko %d w biurze %s, a nie stanowisko %d w biurze %s",
	"you are at counter %d at %s: leave it first":       "Zajmujesz stanowisko %d w biurze %s: najpierw je zwolnij",
	"login and password are needed":                     "Podaj login i hasło",
	"too many login attempts: wait a minute":            "Zbyt wiele prób logowania: odczekaj minutę",
	"wrong login or password":                           "Błędny login lub hasło",
	"not logged in":                                     "Najpierw się zaloguj",
	"session expired: log in again":                     "Sesja wygasła: zaloguj się ponownie",
	"clerk %q no longer exists":                         "Konto %q już nie istnieje",
	"missing or wrong %s header":                        "Brakujący lub błędny nagłówek %s",
	"cross-site request refused":                        "Odrzucono żądanie z innej witryny",
	"cross-origin request from %s refused":              "Odrzucono żądanie z innego źródła: %s",
	"Authorization must be \"Bearer <device token>\"":   "Nagłówek Authorization musi mieć postać \"Bearer <token urządzenia>\"",
	"a device token is needed":                          "Potrzebny jest token urządzenia",
	"unknown device token":                              "Nieznany token urządzenia",
	"a %s device may not do this":                       "Urządzenie typu %s nie może tego zrobić",
	"device %s belongs to %s, not %s":                   "Urządzenie %s należy do biura %s, a nie %s",

	// Package controller: request bodies.
	"Content-Type must be %s, not %q":                                             "Content-Type musi być %s, a nie %q",
	"request body has data after the JSON object":                                 "Treść żądania zawiera dane po obiekcie JSON",
	"request body is empty: a JSON object is expected":                            "Treść żądania jest pusta: oczekiwano obiektu JSON",
	"request body is cut short: the JSON is incomplete":                           "Treść żądania jest ucięta: JSON jest niekompletny",
	"request body is larger than %d bytes":                                        "Treść żądania przekracza %d bajtów",
	"request body is not valid JSON at byte %d":                                   "Treść żądania nie jest poprawnym JSON-em (bajt %d)",
	"request body must be a JSON object, not %s":                                  "Treść żądania musi być obiektem JSON, a nie %s",
	"field %q must be %s, not %s":                                                 "Pole %q ma zły typ: oczekiwano %s, jest %s",
	"unknown field %s":                                                            "Nieznane pole %s",
	"too many notifications were set from this address; try again in an hour":     "Z tego adresu włączono zbyt wiele powiadomień. Spróbuj ponownie za godzinę",
	"the form could not be read":                                                  "Nie udało się odczytać formularza",
	"the contact of this ticket was changed too many times":                       "Kontakt do tego numeru zmieniano już zbyt wiele razy",
	"%q is not a valid e-mail address":                                            "%q nie jest poprawnym adresem e-mail",
	"choose when to be notified":                                                  "Wybierz, kiedy mamy Cię powiadomić",
	"this phone number or address already has notifications for %d tickets today": "Ten numer telefonu lub adres ma już dziś powiadomienia dla %d numerków",
	"%q is not a valid phone number":                                              "%q nie jest poprawnym numerem telefonu",
	"enter a mobile phone number or an e-mail address":                            "Podaj numer telefonu komórkowego albo adres e-mail",
	"%s is %s: notifications are for tickets still waiting":                       "%s ma status „%s”: powiadomienia są dla numerów, które jeszcze czekają",
	"%q is not a mobile phone number: text messages need a mobile":                "%q nie jest numerem komórkowym: SMS wymaga telefonu komórkowego",
	"%s has no counter %s":                                                        "%s nie ma stanowiska %s",
	"request body is not valid JSON: %v":                                          "Treść żądania nie jest poprawnym JSON-em: %v",
}

// localMessage is err's message fit to show, in lang ("pl" or "en"). A
// message without a Polish translation is shown in English; internal errors
// never show their detail.
func localMessage(err error, lang string) string {
	msg := queue.ErrorMessage(err)
	if lang != "pl" {
		return msg
	}
	var e *queue.Error
	if !errors.As(err, &e) || e.Code == queue.EInternal {
		return "Błąd wewnętrzny"
	}
	if pl, ok := errorsPL[e.Format]; ok {
		args := make([]any, len(e.Args))
		for i, a := range e.Args {
			args[i] = argPL(a)
		}
		return fmt.Sprintf(pl, args...)
	}
	return msg
}

// statusPL names ticket statuses in Polish, for messages such as "A001 ma
// status …".
var statusPL = map[queue.Status]string{
	queue.StatusBooked:    "zarezerwowany",
	queue.StatusWaiting:   "oczekuje",
	queue.StatusCalled:    "wezwany",
	queue.StatusServing:   "w obsłudze",
	queue.StatusNoShow:    "do ponownego wezwania",
	queue.StatusMissed:    "nieobecny",
	queue.StatusDone:      "obsłużony",
	queue.StatusCancelled: "anulowany",
	queue.StatusExpired:   "nieważny (z poprzedniego dnia)",
}

// argPL shows a message argument in Polish where it is a word of ours: a
// ticket status, a closed day.
func argPL(a any) any {
	switch v := a.(type) {
	case queue.Status:
		if pl, ok := statusPL[v]; ok {
			return pl
		}
	case queue.Hours:
		if v.Closed() {
			return "nieczynne"
		}
	}
	return a
}

// requestLang is the language of an API answer: the first tag of the
// Accept-Language header when it is Polish or English, else the "lang"
// cookie, else English, which devices and scripts get by default.
func requestLang(r *http.Request) string {
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	first, _, _ = strings.Cut(first, ";")
	primary, _, _ := strings.Cut(strings.TrimSpace(first), "-")
	switch l := strings.ToLower(primary); l {
	case "pl", "en":
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "pl" || c.Value == "en") {
		return c.Value
	}
	return "en"
}
