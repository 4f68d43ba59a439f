package notify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/numerek/numerek/notify"
)

// stepClock reads a later time on each call.
type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func TestOutboxKeepsTheLastNewestFirst(t *testing.T) {
	clock := &stepClock{t: sentAt}
	o := notify.NewOutbox(3, clock, nil)
	for i := 1; i <= 4; i++ {
		m := notify.Message{To: phone(t, fmt.Sprintf("600 700 80%d", i)), Subject: fmt.Sprint("s", i), Text: fmt.Sprint("text ", i)}
		if i == 4 {
			m.To = email(t, "jan@example.com")
			m.Attachments = []notify.Attachment{{Name: "wizyta.ics", Data: []byte(ics)}}
		}
		if err := o.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	got := o.Messages()
	if len(got) != 3 {
		t.Fatalf("got %d messages, want the last 3", len(got))
	}
	for i, want := range []string{"text 4", "text 3", "text 2"} {
		if got[i].Text != want {
			t.Errorf("message %d: got %q, want %q", i, got[i].Text, want)
		}
	}
	if !got[0].Time.After(got[1].Time) {
		t.Errorf("got times %v, %v: want newest first", got[0].Time, got[1].Time)
	}
	if got[0].To.Value != "jan@example.com" || got[0].Subject != "s4" || len(got[0].Attachments) != 1 || got[0].Attachments[0] != "wizyta.ics" {
		t.Errorf("got %+v", got[0])
	}
	if s, ok := o.Last("+48600700803"); !ok || s.Text != "text 3" {
		t.Errorf("Last(+48600700803) = %q, %v; want text 3", s.Text, ok)
	}
	if _, ok := o.Last("+48600700801"); ok {
		t.Error("Last(+48600700801) found a message that fell out of the outbox")
	}
}

func TestOutboxConcurrent(t *testing.T) {
	o := notify.NewOutbox(10, nil, nil)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = o.Send(context.Background(), notify.Message{To: notify.Contact{Kind: notify.Phone, Value: fmt.Sprint("+4860070080", i%10)}})
			o.Messages()
		}()
	}
	wg.Wait()
	if n := len(o.Messages()); n != 10 {
		t.Errorf("got %d messages, want 10", n)
	}
}
