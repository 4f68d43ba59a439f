package controller

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/numerek/numerek/booking"
	"github.com/numerek/numerek/queue/queuetest"
)

// TestBrowserBooking books a visit on a phone through the five steps, as a
// person would: the code is read from the development outbox; the visit
// enters the queue at its time (on the fake clock); another visit is
// cancelled from its link. Every page is checked with axe-core and shot.
func TestBrowserBooking(t *testing.T) {
	tc := newTestController(t)
	b := newBrowser(t, 390, 844, chromedp.EmulateTouch)

	b.open(tc.srv.URL + "/")
	b.clickAndLoad("the index's booking link", "book-heading-link")

	// 1. The matter.
	b.waitText("h1", pageText(t, "pl", "bk.service.heading"), false)
	b.screenshot("book-1-service.png", true)
	b.checkAccessibility("booking step 1")
	b.clickAndLoad("vehicle registration", "bk-service-A")

	// 2. The office.
	b.waitText(".book-steps [aria-current=step]", "2 "+pageText(t, "pl", "bk.step.location"), false)
	b.screenshot("book-2-location.png", true)
	b.checkAccessibility("booking step 2")
	b.clickAndLoad("Centrum", "bk-location-centrum")

	// 3. The date and the time: Wednesday, 10:40 chosen with the keyboard.
	b.waitText("h1", pageText(t, "pl", "bk.time.heading"), false)
	b.clickAndLoad("Wednesday", "bk-date-2026-11-25")
	b.waitText("#bk-times-heading", "25.11.2026", true)
	id := b.eval(`document.querySelector('input[name=time][value="10:40"]').id`)
	b.do("choose 10:40 with the keyboard", chromedp.Focus(chromedp.ID(id)), chromedp.KeyEvent(" "))
	if got := b.eval(`document.querySelector('input[name=time]:checked').value`); got != "10:40" {
		t.Fatalf("the time chosen with the space bar: got %q, want 10:40", got)
	}
	b.screenshot("book-3-time.png", true)
	b.checkAccessibility("booking step 3")
	b.clickAndLoad("next", "bk-next")

	// 4. Name and contact, first with a landline.
	b.waitText("h1", pageText(t, "pl", "bk.person.heading"), false)
	b.waitText("#bk-when", "25.11.2026, 10:40", true)
	step4 := b.eval(`location.pathname`)
	b.expected = append(b.expected, step4)
	b.do("type the name", chromedp.SendKeys(chromedp.ID("bk-first"), "Anna"), chromedp.SendKeys(chromedp.ID("bk-last"), "Nowak"),
		chromedp.SendKeys(chromedp.ID("bk-contact"), "22 123 45 67"))
	b.clickAndLoad("send the code", "bk-send")
	b.waitText("#bk-contact-error", "nie jest numerem komórkowym", true)
	if got := b.eval(`document.activeElement.id + " " + document.getElementById("bk-contact").getAttribute("aria-describedby")`); got != "bk-contact bk-contact-hint bk-contact-error" {
		t.Errorf("after the mistake: focus and description %q, want the contact field with its error", got)
	}
	if got := b.eval(`document.getElementById("bk-last").value`); got != "Nowak" {
		t.Errorf("the form lost what was typed: last name %q", got)
	}
	b.screenshot("book-4-mistake.png", true)
	b.checkAccessibility("booking step 4 with a mistake")
	b.eval(`document.getElementById("bk-contact").value = ""; ""`)
	b.doAndLoad("type a mobile and press Enter", chromedp.SendKeys(chromedp.ID("bk-contact"), "600 700 800"+kb.Enter))

	// 5. The code, read from the outbox.
	b.waitText("h1", pageText(t, "pl", "bk.code.heading"), false)
	b.waitText("#bk-sent", "*** *** 800", true)
	b.screenshot("book-5-code.png", true)
	b.checkAccessibility("booking step 5")
	step5 := tc.srv.URL + b.eval(`location.pathname`)
	tc.settle()
	b.open(tc.srv.URL + "/dev/outbox")
	b.waitText(".outbox tbody", "Kod potwierdzenia wizyty", true)
	code := sixDigits.FindString(b.text(".outbox tbody"))
	b.screenshot("book-outbox-code.png", true)
	b.open(step5)
	b.do("type the code", chromedp.SendKeys(chromedp.ID("bk-code"), code))
	b.clickAndLoad("confirm", "bk-confirm")

	// The confirmation.
	b.waitText("#bk-number", "R001", false)
	b.screenshot("book-6-done.png", true)
	b.checkAccessibility("the booking's confirmation")
	tc.settle()
	b.open(tc.srv.URL + "/dev/outbox")
	b.waitText(".outbox tbody", "Wizyta potwierdzona: 25.11.2026 godz. 10:40", true)
	b.screenshot("book-outbox-confirmation.png", true)
	b.checkConsole()

	// The e-ticket shows the booked visit; at 10:40 it waits in the queue.
	bk := onlyBooking(t, tc)
	b.open(tc.srv.URL + "/t/" + bk.Token)
	b.waitText("#et-booked", "25.11.2026", true)
	b.waitText("#et-number", "R001", true)
	tc.clock.Set(time.Date(2026, 11, 25, 10, 40, 0, 0, queuetest.Warsaw))
	tc.c.tick(context.Background())
	b.open(tc.srv.URL + "/t/" + bk.Token)
	b.waitText("#et-headline", pageText(t, "pl", "et.waiting"), false)
	b.screenshot("book-eticket-waiting.png", true)

	// Another visit, cancelled from the link of its confirmation.
	tc.clock.Set(time.Date(2026, 11, 25, 11, 0, 0, 0, queuetest.Warsaw))
	other := tc.bookVisit("A", "centrum", "2026-11-26", "09:00", "anna.nowak@example.com")
	ob, _ := tc.c.bookings.Get(other)
	b.open(tc.srv.URL + "/book/v/" + other + "/done")
	b.clickAndLoad("cancel", "bk-cancel")
	b.waitText("#et-leave-question", pageText(t, "pl", "et.cancel.question"), true)
	b.screenshot("book-cancel-question.png", true)
	b.clickAndLoad("yes, cancel", "et-leave-yes")
	if got, _ := tc.c.bookings.Get(other); got.Status != booking.Cancelled {
		t.Fatalf("the cancelled visit: %s", got.Status)
	}
	b.open(tc.srv.URL + "/book/A/centrum/2026-11-26")
	if got := b.eval(`String(!!document.querySelector('input[name=time][value="09:00"]'))`); got != "true" {
		t.Fatalf("the cancelled visit's time %s is not offered again", ob.Start)
	}
	b.checkConsole()
}

// onlyBooking is the one confirmed booking of the test.
func onlyBooking(t *testing.T, tc *testController) booking.Booking {
	t.Helper()
	var found []booking.Booking
	tc.c.bookings.Each(func(bk booking.Booking) {
		if bk.Status == booking.Confirmed {
			found = append(found, bk)
		}
	})
	if len(found) != 1 {
		t.Fatalf("confirmed bookings: %d, want 1", len(found))
	}
	return found[0]
}

// TestBrowserBookingEnglish checks the English pages and the form without
// JavaScript's help: the steps work as plain forms.
func TestBrowserBookingEnglish(t *testing.T) {
	tc := newTestController(t)
	b := newBrowser(t, 1280, 900)
	b.open(tc.srv.URL + "/book/C/centrum/2026-11-25?lang=en")
	b.waitText("h1", pageText(t, "en", "bk.time.heading"), false)
	b.screenshot("book-3-time-en-desktop.png", true)
	b.checkAccessibility("booking step 3 in English")
	if got := b.eval(`document.documentElement.lang`); got != "en" {
		t.Fatalf("lang: %q", got)
	}
	if !strings.Contains(b.text(".book-dates"), "Sat 28.11") {
		t.Fatalf("the dates: %q", b.text(".book-dates"))
	}
}
