package pycheck_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
	"github.com/prepbot/prepbot/internal/pycheck"
)

// BenchmarkCompile measures start-up: compiling the interpreter to machine
// code with an empty cache directory (the first start) with one and with
// two compile workers, and loading it from a warm one (every later start).
//
//	go test -run '^$' -bench Compile -benchtime 3x ./internal/pycheck/
func BenchmarkCompile(b *testing.B) {
	path := RequireInterpreter(b)
	start := func(b *testing.B, dir string, workers int) {
		g, err := pycheck.New(context.Background(), pycheck.Options{WasmPath: path, CacheDir: dir, CompileWorkers: workers})
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Ready(context.Background()); err != nil {
			b.Fatal(err)
		}
		if err := g.Close(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("cold/workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				start(b, b.TempDir(), workers)
			}
		})
	}
	b.Run("cached", func(b *testing.B) {
		dir := b.TempDir()
		start(b, dir, 0)
		for b.Loop() {
			start(b, dir, 0)
		}
	})
}

// BenchmarkGrade grades a correct answer to a typical exercise from several
// users at once and reports the latency each saw (p50, p99, queueing
// included) and the attempts graded per second.
//
//	go test -run '^$' -bench Grade -benchtime 40x ./internal/pycheck/
func BenchmarkGrade(b *testing.B) {
	g := MustNew(b, pycheck.Options{})
	defer g.Close(context.Background())
	var ex prep.Exercise
	for _, e := range MustLoad(b) {
		if e.ID == "py-group-by-key" {
			ex = e
		}
	}
	for _, users := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			var (
				mu        sync.Mutex
				latencies []time.Duration
				next      atomic.Int64
				wg        sync.WaitGroup
			)
			b.ResetTimer()
			start := time.Now()
			for range users {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						t0 := time.Now()
						v, err := g.Grade(context.Background(), ex, ex.Solution)
						took := time.Since(t0)
						if err != nil || v.Outcome != prep.Correct {
							b.Errorf("%v %v", err, v)
							return
						}
						mu.Lock()
						latencies = append(latencies, took)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(latencies)
			at := func(q float64) float64 {
				return float64(latencies[min(len(latencies)-1, int(q*float64(len(latencies))))].Microseconds()) / 1000
			}
			b.ReportMetric(at(0.50), "p50-ms")
			b.ReportMetric(at(0.99), "p99-ms")
			b.ReportMetric(float64(len(latencies))/elapsed.Seconds(), "attempts/s")
		})
	}
}
