// Package calendar knows the Polish public holidays and writes iCalendar
// (.ics) files for booked visits.
//
// A Date is a day of the civil calendar with no time or zone; DateOf and
// Date.In convert to and from time.Time in a given location. Holidays lists
// the statutory non-working days of a year (ustawa z dnia 18 stycznia 1951 r.
// o dniach wolnych od pracy, as amended in December 2024) and IsHoliday
// answers for one day. Event.ICS writes one visit as an RFC 5545 calendar
// (https://www.rfc-editor.org/rfc/rfc5545) that a person can add to their
// phone's calendar, with a reminder an hour before.
package calendar
