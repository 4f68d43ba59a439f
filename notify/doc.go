// Package notify sends short messages to people, by SMS and by e-mail: the
// e-ticket's "it is time to come to the office", and later online-booking
// codes and confirmations with an .ics calendar file.
//
// A Message goes to one Contact, a mobile number in E.164 or an e-mail
// address, as ParsePhone and ParseEmail accept them from a form; their
// errors (ErrPhoneNotMobile, …) are values the controller translates. Every
// provider is a Sender: SMSAPI (SMSAPI.pl's HTTP API), Webhook (any SMS
// gateway that takes a signed JSON POST), SMTP (STARTTLS required, AUTH
// PLAIN) and Outbox, which sends nothing and keeps the last messages in
// memory for development. A Router sends each message by its contact's
// kind. New builds them from a Config (TOML; credentials from the file or
// the environment).
//
// Sending is slow and may fail, so it happens outside the request path: a
// Dispatcher queues messages (refusing when full, so the person can be
// told), sends them with a few workers, retries what IsTemporary (network
// errors, HTTP 5xx and 429, SMTP 4xx) with exponential backoff and jitter,
// and gives each message's final result to a done function.
//
// Personal data does not reach the logs: a Contact prints and logs masked
// ("+48 *** *** 789", "j***@example.com"), a Message logs without its text,
// and a ProviderError names the provider and what went wrong without the
// text or the whole number or address. notifytest has a fake SMSAPI, a
// webhook receiver and an SMTP server with STARTTLS, all on loopback.
package notify
