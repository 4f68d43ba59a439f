// Package devices is what numerek's device roles share and do: the LAN
// client of the branch controller (tickets with idempotency keys, retries
// with backoff, heartbeats), the debounced button and the status LED on
// periph GPIO pins, the dispenser loop that joins buttons, the controller
// and the ticket printer, the client of a location's event stream (snapshot,
// then events, resumed with Last-Event-ID), the display loop that joins
// the stream to a hall or counter screen's scene, and the announcer loop
// that speaks each call in order, never two at once.
//
// Hardware is reached through periph's interfaces (gpio.PinIn, gpio.PinOut)
// and the printer package's Transport; host.Init is called by the mains,
// never here. Time comes from an injected Clock wherever a rule depends on
// it (debounce, LED blinking, uptime).
package devices

import "github.com/numerek/numerek/queue"

// Clock tells the time: the queue's own Clock, so that queue.SystemClock
// and queuetest.Clock serve the devices too.
type Clock = queue.Clock
