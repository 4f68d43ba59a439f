package queue

import (
	"sort"
	"time"
)

// estimate is the first estimate of the wait for a ticket of service with
// ahead people before it: the people ahead times the service's duration,
// shared by the counters that serve it. Open counters count; when none is
// open, every counter that serves it (the office will staff some).
// Today's finished services replace the configured duration once there are
// five of them.
func (e *Engine) estimate(l *location, service string, ahead int) Estimate {
	d := e.naive(l, service, ahead)
	return Estimate{Expected: d, Low: d, High: d}
}

func (e *Engine) naive(l *location, service string, ahead int) time.Duration {
	d := e.services[service].Duration
	if st := l.st.Durations[service]; st.Count >= 5 {
		d = st.Total / time.Duration(st.Count)
	}
	open, all := 0, 0
	for n, c := range l.counters {
		if _, ok := c.Serves(service); !ok {
			continue
		}
		all++
		if cs := l.st.Counters[n]; cs != nil && cs.Open {
			open++
		}
	}
	if open == 0 {
		open = all
	}
	if open == 0 {
		return 0
	}
	return time.Duration(ahead) * d / time.Duration(open)
}

// View returns what can be shown of location loc's queue now.
func (e *Engine) View(loc string) (View, error) {
	l, err := e.location(loc)
	if err != nil {
		return View{}, err
	}
	now := e.opts.Clock.Now().In(l.cfg.TZ)
	l.mu.RLock()
	defer l.mu.RUnlock()
	st := l.st
	v := View{
		Location: l.cfg.ID, Name: l.cfg.Name, Seq: st.Seq, Day: st.Day,
		Open: l.cfg.openAt(now), Hours: l.cfg.Hours[now.Weekday()].String(), Voice: l.cfg.Voice,
		Services: []ServiceView{}, Counters: []CounterView{}, Waiting: []TicketView{},
		Recent: append([]CallView{}, st.Recent...), Missed: []TicketView{},
	}
	waiting := map[string]int{}
	for _, t := range st.waiting() {
		waiting[t.Service]++
		v.Waiting = append(v.Waiting, ticketView(t))
	}
	for _, s := range e.branch.Services {
		offered := false
		for _, c := range l.counters {
			if _, ok := c.Serves(s.Prefix); ok {
				offered = true
			}
		}
		if offered {
			v.Services = append(v.Services, ServiceView{
				Prefix: s.Prefix, NamePL: s.NamePL, NameEN: s.NameEN, Bookable: s.Bookable,
				Waiting: waiting[s.Prefix], Estimate: e.estimate(l, s.Prefix, waiting[s.Prefix]),
			})
		}
	}
	nums := make([]int, 0, len(l.counters))
	for n := range l.counters {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		cv := CounterView{Number: n, Services: l.counters[n].Services}
		if cs := st.Counters[n]; cs != nil {
			cv.Open = cs.Open
			if t := st.Tickets[cs.Current]; t != nil {
				tv := ticketView(t)
				cv.Current = &tv
			}
			for _, id := range cs.Pending {
				cv.Pending = append(cv.Pending, st.Tickets[id].Number)
			}
		}
		v.Counters = append(v.Counters, cv)
	}
	for _, t := range st.Tickets {
		if t.Status == StatusMissed && t.Day == st.Day {
			v.Missed = append(v.Missed, ticketView(t))
		}
	}
	sort.Slice(v.Missed, func(i, j int) bool { return v.Missed[i].Number < v.Missed[j].Number })
	return v, nil
}

func ticketView(t *Ticket) TicketView {
	return TicketView{Number: t.Number, Service: t.Service, Kind: t.Kind, Status: t.Status, Key: t.Key, Counter: t.Counter, Calls: t.Calls}
}

// TicketStatus is what an e-ticket shows of its ticket.
type TicketStatus struct {
	Ticket   Ticket
	Ahead    int
	Estimate Estimate
}

// TicketByToken finds the ticket whose e-ticket token is token.
func (e *Engine) TicketByToken(token string) (TicketStatus, bool) {
	if token == "" {
		return TicketStatus{}, false
	}
	for _, id := range e.order {
		l := e.locs[id]
		l.mu.RLock()
		t := l.st.Tickets[l.st.Tokens[token]]
		if t == nil {
			l.mu.RUnlock()
			continue
		}
		ts := TicketStatus{Ticket: *t}
		if t.Status == StatusWaiting {
			ts.Ahead = l.st.ahead(t)
			ts.Estimate = e.estimate(l, t.Service, ts.Ahead)
		}
		l.mu.RUnlock()
		return ts, true
	}
	return TicketStatus{}, false
}
