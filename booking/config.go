package booking

import (
	"fmt"
	"time"

	"github.com/numerek/numerek/calendar"
)

// Config is how the online booking works. DefaultConfig has the seed's
// values; the controller fills it from the [booking] section of its file.
type Config struct {
	Days int           // how many days ahead visits can be booked (the rules' booking_days)
	Lead time.Duration // the earliest time that can be booked is this far from now

	Hold    time.Duration // a chosen time is kept this long for the person to finish
	MaxHold time.Duration // and never longer than this, however many codes are sent

	CodeTTL   time.Duration // a code is good this long after it was sent
	CodeTries int           // wrong codes allowed before a new one is needed
	CodeSends int           // codes one booking may get: the first and the resends

	ActivePerContact int // confirmed visits still to come per phone number or e-mail
	CodesPerContact  int // codes sent to one phone number or e-mail in an hour
	CodesPerAddress  int // codes asked for from one IP address in an hour
	HoldsPerAddress  int // times held from one IP address in an hour
	CodesPerHour     int // codes sent in all in an hour: what SMS may cost

	PersonalDataDays int // names and contacts are purged this many days after the visit

	Slots  map[string]time.Duration   // per service prefix: the slot length (the service's duration when missing)
	Closed map[string][]calendar.Date // per location id, and "" for all: days closed besides the holidays
}

// DefaultConfig is the seed's booking: 30 days ahead, codes good for 10
// minutes with 5 tries.
func DefaultConfig() Config {
	return Config{
		Days:             30,
		Lead:             time.Hour,
		Hold:             15 * time.Minute,
		MaxHold:          30 * time.Minute,
		CodeTTL:          10 * time.Minute,
		CodeTries:        5,
		CodeSends:        4,
		ActivePerContact: 2,
		CodesPerContact:  5,
		CodesPerAddress:  10,
		HoldsPerAddress:  30,
		CodesPerHour:     300,
		PersonalDataDays: 30,
	}
}

// Validate checks the values; its errors name the field.
func (c Config) Validate() error {
	type check struct {
		ok    bool
		field string
		want  string
	}
	for _, k := range []check{
		{c.Days >= 0 && c.Days <= 366, "rules.booking_days", "0-366"},
		{c.Lead >= 0 && c.Lead <= 14*24*time.Hour, "booking.lead", "0s-336h"},
		{c.Hold >= time.Minute && c.Hold <= 2*time.Hour, "booking.hold", "1m-2h"},
		{c.MaxHold >= c.Hold && c.MaxHold <= 4*time.Hour, "booking.max_hold", "from hold to 4h"},
		{c.CodeTTL >= time.Minute && c.CodeTTL <= time.Hour, "booking.code_ttl", "1m-1h"},
		{c.CodeTries >= 1 && c.CodeTries <= 20, "booking.code_tries", "1-20"},
		{c.CodeSends >= 1 && c.CodeSends <= 10, "booking.code_sends", "1-10"},
		{c.ActivePerContact >= 1 && c.ActivePerContact <= 100, "booking.active_per_contact", "1-100"},
		{c.CodesPerContact >= 1 && c.CodesPerContact <= 100, "booking.codes_per_contact", "1-100"},
		{c.CodesPerAddress >= 1 && c.CodesPerAddress <= 10000, "booking.codes_per_address", "1-10000"},
		{c.HoldsPerAddress >= 1 && c.HoldsPerAddress <= 10000, "booking.holds_per_address", "1-10000"},
		{c.CodesPerHour >= 1 && c.CodesPerHour <= 1000000, "booking.codes_per_hour", "1-1000000"},
		{c.PersonalDataDays >= 0 && c.PersonalDataDays <= 3650, "personal_data_days", "0-3650"},
	} {
		if !k.ok {
			return fmt.Errorf("%s: must be in %s", k.field, k.want)
		}
	}
	for p, d := range c.Slots {
		if d < 5*time.Minute || d > 8*time.Hour || d%time.Minute != 0 {
			return fmt.Errorf("services[%s].slot: %v must be whole minutes from 5m to 8h", p, d)
		}
	}
	return nil
}
