// Package stats turns a location's event log into the figures an office
// manager asks for: one Visit per ticket (Visits, Replay), a Report for a
// range of local days (Compute), live alerts when a service's longest wait
// passes a threshold (Alerts), CSV exports of the report and of the visit log,
// and accessible SVG charts drawn on the server (BarChart, Histogram).
//
// It is pure: no I/O but the io.Writer and io.Reader it is handed, no clock
// (the time of "now" is always an argument), no personal data (events carry
// none; a clerk is a login name).
//
// # Definitions
//
// A visit's wait is from the start of its wait to its first call. A walk-in
// starts waiting when its ticket is issued. A booked visit starts waiting at
// the later of its booked time (its time key) and the time it entered the
// queue (BookingEntered): a visitor who booked 10:00 has not waited at 9:50,
// and a visit that entered late (the controller was down) has not waited
// before it entered. A booked visit called early, before that start, waited
// zero. The wait of a transferred ticket is its first wait, in its first
// service, but it is counted in its final service (Service), like every other
// figure; FirstService keeps where it started.
//
// Service time is from the client reaching the counter (ClientCame) to
// Finished. When the clerk finished without pressing "came", it is from the
// last call instead, as the engine's own estimates count it.
//
// Percentiles are nearest-rank: the p-th percentile of n sorted values is
// the value at rank ceil(p/100 × n), counting from 1. It is always one of the
// values, and it reads as "p% waited at most this long". The median is the
// 50th percentile: of an even number of values it is the lower middle one.
// So the 90th percentile is within the target exactly when at least 90% of
// the waits are.
//
// The share within target counts, of the visits that were called at least
// once, those whose wait was at most the target.
//
// A no-show is one press of "Nie zgłosił się" that leads to another call
// (the queue.NoShow event). The press on the last allowed call makes the
// ticket leave the queue: that is the queue.Missed event, and the ticket is
// counted as missed (by its outcome), not as one more no-show. A missed ticket
// that a clerk restored and then served is served.
//
// A visit that was still open (waiting, called, at a counter, a pending
// no-show, or a booked visit that had not entered) when a later day started
// expired; one still open at the end of the log is open.
//
// Booked visits are counted on their booked day: booked (all of them), kept
// (served), missed (missed or expired: they entered, or should have, and were
// not served), cancelled (before their day or in the queue) and pending (not
// over yet). A booked visit is one of the issued tickets of its service only
// once it entered the queue or was called, so for issued tickets
//
//	Issued = Served + Missed + Cancelled + Expired + Open
//
// always holds.
package stats
