package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/numerek/numerek/queue/sim"
)

func TestRunPrintsTableAndJSON(t *testing.T) {
	var table, stderr bytes.Buffer
	if err := run(context.Background(), []string{"-days", "1", "-seed", "4"}, &table, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	for _, want := range []string{"naive MAE", "ours MAE", "coverage", "2026-03-02", "all 1 days", "seed 4: ours MAE is"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"-days", "1", "-seed", "4", "-json"}, &out, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var r sim.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out.String())
	}
	if r.Days != 1 || r.Seed != 4 || r.Tickets == 0 || len(r.PerDay) != 1 || r.Naive.MAE == 0 || r.Ours.MAE == 0 {
		t.Errorf("got %+v, want one day of seed 4 with figures", r)
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-days", "0"}, {"-nope"}, {"extra"}} {
		var out, stderr bytes.Buffer
		if err := run(context.Background(), args, &out, &stderr); err == nil {
			t.Errorf("%q: got no error", args)
		}
	}
}
