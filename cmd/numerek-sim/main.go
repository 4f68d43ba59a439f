// Command numerek-sim replays synthetic office days through the queue
// engine and compares its wait estimates with the naive rule of older
// systems (people ahead × mean duration ÷ open counters): mean absolute
// error, its 90th percentile, and how often the actual wait fell within
// the printed range. See package queue/sim for what a day holds.
//
//	numerek-sim [-days 30] [-seed 1] [-json]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"text/tabwriter"
	"time"

	"github.com/numerek/numerek/queue/sim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "numerek-sim:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("numerek-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	days := fs.Int("days", 30, "weekdays to simulate, one after another")
	seed := fs.Uint64("seed", 1, "random seed: the same seed plays the same days")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	r, err := sim.Run(ctx, sim.Config{Days: *days, Seed: *seed})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	return table(stdout, r)
}

// table prints r for people: one line a day, then the whole.
func table(w io.Writer, r sim.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "day\ttickets\tmean wait\tmax wait\tnaive MAE\tnaive P90\tours MAE\tours P90\tcoverage\t")
	for _, d := range r.PerDay {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f%%\t\n", d.Date, d.Tickets, mins(d.MeanWait), mins(d.MaxWait),
			mins(d.Naive.MAE), mins(d.Naive.P90), mins(d.Ours.MAE), mins(d.Ours.P90), 100*d.Coverage)
	}
	fmt.Fprintf(tw, "all %d days\t%d\t\t\t%s\t%s\t%s\t%s\t%.0f%%\t\n", r.Days, r.Tickets,
		mins(r.Naive.MAE), mins(r.Naive.P90), mins(r.Ours.MAE), mins(r.Ours.P90), 100*r.Coverage)
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nseed %d: ours MAE is %.0f%% of the naive rule's (target ≤ 60%%); %.0f%% of waits within [low, high] (target ≈ 80%%)\n",
		r.Seed, 100*r.Ratio, 100*r.Coverage)
	return err
}

// mins formats d as minutes with one decimal.
func mins(d time.Duration) string { return fmt.Sprintf("%.1f min", d.Minutes()) }
