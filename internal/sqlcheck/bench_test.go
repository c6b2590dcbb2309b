package sqlcheck_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/sqlcheck"
)

// BenchmarkGrade measures grading as users see it: each of `users`
// goroutines grades reference solutions of the exercises in turn (the
// slowest kind of attempt: it runs on every dataset) as fast as it can.
// Latency includes waiting for a sandbox. It reports the median and 99th
// percentile latency and attempts per second:
//
//	go test -run '^$' -bench BenchmarkGrade -benchtime 2000x ./internal/sqlcheck/
func BenchmarkGrade(b *testing.B) {
	exs := MustLoad(b)
	for _, users := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			g := sqlcheck.NewGrader(sqlcheck.Options{})
			lat := make([]time.Duration, b.N)
			var next atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for range users {
				wg.Go(func() {
					for {
						i := int(next.Add(1) - 1)
						if i >= b.N {
							return
						}
						ex := exs[i%len(exs)]
						t0 := time.Now()
						v, err := g.Grade(context.Background(), ex, ex.Solution)
						lat[i] = time.Since(t0)
						if err != nil || v.Outcome != 1 {
							b.Errorf("%s: %v %v", ex.ID, v.Outcome, err)
							return
						}
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			slices.Sort(lat)
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "attempts/s")
		})
	}
}
