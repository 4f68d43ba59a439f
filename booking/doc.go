// Package booking is the online booking of visits, the seed's five steps:
// the matter (a service), the office (a location), the date and time, the
// person's name and mobile phone or e-mail, and a six-digit code sent to
// that phone or e-mail. A confirmed booking gets its ticket from the queue
// engine (its own number series) and enters the queue by itself at its time.
//
// Free times are built from the office's opening hours, the counters that
// take booked visits for the service and the service's slot length, less
// Polish public holidays, closure days and what is already booked or held.
// Each booking holds one counter for its slot, so two people can never take
// the last place. Bookings are kept through a small Store (bbolt in the
// controller); the person's name and contact are kept apart from the
// booking and purged after the visit.
package booking
