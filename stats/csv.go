package stats

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/numerek/numerek/queue"
)

// visitColumns is the header of the visit log.
var visitColumns = []string{
	"ticket", "day", "number", "service", "first_service", "kind",
	"key", "issued", "first_called", "last_called", "came", "finished",
	"wait_s", "service_s", "counter", "clerk", "calls", "no_shows", "outcome",
}

// WriteVisitsCSV writes the visit log, one row per visit under a header
// row, as RFC 4180 CSV (UTF-8, CRLF line ends, no byte-order mark: a page
// that serves it for Excel may write "\uFEFF" first):
//
//	ticket,day,number,service,first_service,kind,key,issued,first_called,
//	last_called,came,finished,wait_s,service_s,counter,clerk,calls,no_shows,outcome
//
// Times are RFC 3339 in tz (with the fraction of a second when there is
// one, so they read back exactly); a time that did not happen is empty.
// wait_s and service_s are Visit.Wait and Visit.ServiceTime in whole seconds,
// rounded, empty when there is none; counter is empty when none. The log
// holds no personal data: the clerk is a login name.
func WriteVisitsCSV(w io.Writer, visits []Visit, tz *time.Location) error {
	if tz == nil {
		tz = time.UTC
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(visitColumns); err != nil {
		return fmt.Errorf("write visits: %w", err)
	}
	for _, v := range visits {
		tm := func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(tz).Format(time.RFC3339Nano)
		}
		dur := func(d time.Duration, ok bool) string {
			if !ok {
				return ""
			}
			return seconds(d)
		}
		counter := ""
		if v.Counter != 0 {
			counter = strconv.Itoa(v.Counter)
		}
		row := []string{
			v.Ticket, v.Day, v.Number, v.Service, v.FirstService, string(v.Kind),
			tm(v.Key), tm(v.Issued), tm(v.FirstCalled), tm(v.LastCalled), tm(v.Came), tm(v.Finished),
			dur(v.Wait()), dur(v.ServiceTime()), counter, v.Clerk,
			strconv.Itoa(v.Calls), strconv.Itoa(v.NoShows), string(v.Outcome),
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write visits: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write visits: %w", err)
	}
	return nil
}

// ReadVisitsCSV reads a visit log written by WriteVisitsCSV (a UTF-8
// byte-order mark before it, as spreadsheets save, is skipped). Times keep
// the offset they were written with. wait_s and service_s are not read: they
// follow from the times.
func ReadVisitsCSV(r io.Reader) ([]Visit, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\uFEFF" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = len(visitColumns)
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read visits: no header")
	}
	if err != nil {
		return nil, fmt.Errorf("read visits: %w", err)
	}
	if !slices.Equal(head, visitColumns) {
		return nil, fmt.Errorf("read visits: header is %q, want %q", head, visitColumns)
	}
	var visits []Visit
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return visits, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read visits: %w", err)
		}
		v, err := parseVisit(rec)
		if err != nil {
			return nil, fmt.Errorf("read visits: line %d: %w", line, err)
		}
		visits = append(visits, v)
	}
}

func parseVisit(rec []string) (Visit, error) {
	col := func(name string) string { return rec[slices.Index(visitColumns, name)] }
	var err error
	tm := func(name string) time.Time {
		s := col(name)
		if s == "" || err != nil {
			return time.Time{}
		}
		t, e := time.Parse(time.RFC3339Nano, s)
		if e != nil {
			err = fmt.Errorf("%s: %q is not an RFC 3339 time", name, s)
		}
		return t
	}
	num := func(name string) int {
		s := col(name)
		if s == "" || err != nil {
			return 0
		}
		n, e := strconv.Atoi(s)
		if e != nil || n < 0 {
			err = fmt.Errorf("%s: %q is not a count", name, s)
		}
		return n
	}
	v := Visit{
		Ticket: col("ticket"), Day: col("day"), Number: col("number"),
		Service: col("service"), FirstService: col("first_service"), Kind: queue.Kind(col("kind")),
		Key: tm("key"), Issued: tm("issued"), FirstCalled: tm("first_called"), LastCalled: tm("last_called"),
		Came: tm("came"), Finished: tm("finished"),
		Counter: num("counter"), Clerk: col("clerk"), Calls: num("calls"), NoShows: num("no_shows"),
		Outcome: Outcome(col("outcome")),
	}
	if err != nil {
		return Visit{}, err
	}
	switch v.Kind {
	case queue.WalkIn, queue.Booked:
	default:
		return Visit{}, fmt.Errorf("kind: %q is not %q or %q", v.Kind, queue.WalkIn, queue.Booked)
	}
	switch v.Outcome {
	case Served, Missed, Cancelled, Expired, Open, NotEntered:
	default:
		return Visit{}, fmt.Errorf("outcome: unknown %q", v.Outcome)
	}
	return v, nil
}

// WriteReportCSV writes r as RFC 4180 CSV (as WriteVisitsCSV) in a long
// format: one figure a row, under the header
//
//	section,key,hour,metric,value
//
// section is one of
//
//	report   key empty: from, to, tz, target_s, target_share
//	total    key empty: the figures of every service
//	service  key the prefix: the figures of one service (and its name)
//	hour     key the prefix, or empty for every service; hour 0-23: issued
//	counter  key the counter's number: served, service_n, service_median_s, service_p90_s
//	clerk    key the login: the same as counter
//
// The figures of total and service are name (services only, when known),
// issued, served, missed, cancelled, expired, open, no_shows, wait_n,
// wait_median_s, wait_p90_s, wait_max_s, service_n, service_median_s,
// service_p90_s, within_target, within_target_of, within_target_share,
// target_met, booked, booked_kept, booked_missed, booked_cancelled,
// booked_pending. Durations are whole seconds, rounded; shares have four
// decimals; target_met is true or false. A figure with no data (a median of
// nothing) has an empty value. Hours without tickets have no row.
func WriteReportCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	row := func(section, key, hour, metric, value string) {
		cw.Write([]string{section, key, hour, metric, value}) // errors are kept by cw: see below
	}
	row("section", "key", "hour", "metric", "value")
	row("report", "", "", "from", r.From)
	row("report", "", "", "to", r.To)
	row("report", "", "", "tz", r.TZ)
	row("report", "", "", "target_s", seconds(r.Target))
	row("report", "", "", "target_share", strconv.FormatFloat(r.TargetShare, 'f', -1, 64))

	figures := func(section string, f Figures) {
		m := func(metric, value string) { row(section, f.Service, "", metric, value) }
		count := func(metric string, n int) { m(metric, strconv.Itoa(n)) }
		if f.Name != "" {
			m("name", f.Name)
		}
		count("issued", f.Issued)
		count("served", f.Served)
		count("missed", f.Missed)
		count("cancelled", f.Cancelled)
		count("expired", f.Expired)
		count("open", f.Open)
		count("no_shows", f.NoShows)
		summary := func(prefix string, s Summary, withMax bool) {
			count(prefix+"_n", s.N)
			m(prefix+"_median_s", summarySeconds(s, s.Median))
			m(prefix+"_p90_s", summarySeconds(s, s.P90))
			if withMax {
				m(prefix+"_max_s", summarySeconds(s, s.Max))
			}
		}
		summary("wait", f.Wait, true)
		summary("service", f.ServiceTime, false)
		count("within_target", f.WithinTarget.Within)
		count("within_target_of", f.WithinTarget.Of)
		share, met := "", ""
		if v, ok := f.WithinTarget.Value(); ok {
			share = strconv.FormatFloat(v, 'f', 4, 64)
			ok, _ := f.WithinTarget.Met()
			met = strconv.FormatBool(ok)
		}
		m("within_target_share", share)
		m("target_met", met)
		count("booked", f.Booked.Booked)
		count("booked_kept", f.Booked.Kept)
		count("booked_missed", f.Booked.Missed)
		count("booked_cancelled", f.Booked.Cancelled)
		count("booked_pending", f.Booked.Pending)
	}
	figures("total", r.Total)
	for _, f := range r.Services {
		figures("service", f)
	}
	hours := func(f Figures) {
		for h, n := range f.PerHour {
			if n > 0 {
				row("hour", f.Service, strconv.Itoa(h), "issued", strconv.Itoa(n))
			}
		}
	}
	hours(r.Total)
	for _, f := range r.Services {
		hours(f)
	}
	staff := func(section, key string, s Staff) {
		row(section, key, "", "served", strconv.Itoa(s.Served))
		row(section, key, "", "service_n", strconv.Itoa(s.ServiceTime.N))
		row(section, key, "", "service_median_s", summarySeconds(s.ServiceTime, s.ServiceTime.Median))
		row(section, key, "", "service_p90_s", summarySeconds(s.ServiceTime, s.ServiceTime.P90))
	}
	for _, s := range r.Counters {
		staff("counter", strconv.Itoa(s.Counter), s)
	}
	for _, s := range r.Clerks {
		staff("clerk", s.Clerk, s)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// seconds is d in whole seconds, rounded.
func seconds(d time.Duration) string {
	return strconv.FormatInt(int64(d.Round(time.Second)/time.Second), 10)
}

func summarySeconds(s Summary, d time.Duration) string {
	if !s.OK() {
		return ""
	}
	return seconds(d)
}
