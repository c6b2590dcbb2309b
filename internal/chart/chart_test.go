package chart_test

import (
	"bytes"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/chart"
)

// mustDecode decodes a chart, checks its size, and saves it under
// $PREPBOT_CHART_DIR when set, so a person can look at it.
func mustDecode(tb testing.TB, name string, data []byte, err error) image.Image {
	tb.Helper()
	return mustDecodeSized(tb, name, data, err, chart.Height)
}

// mustDecodeSized is mustDecode for a chart of the given height.
func mustDecodeSized(tb testing.TB, name string, data []byte, err error, height int) image.Image {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if dir := os.Getenv("PREPBOT_CHART_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("%s: not a PNG: %v", name, err)
	}
	if b := img.Bounds(); b.Dx() != chart.Width || b.Dy() != height {
		tb.Fatalf("%s: %dx%d, want %dx%d", name, b.Dx(), b.Dy(), chart.Width, height)
	}
	return img
}

// pixels summarises an image: its distinct colours, the share of
// non-white pixels in the middle (the plot area), and how many pixels have
// each of the given exact colours.
func pixels(img image.Image, want ...uint32) (distinct int, inked float64, count map[uint32]int) {
	b := img.Bounds()
	rgba := image.NewRGBA(b)
	draw.Draw(rgba, b, img, b.Min, draw.Src) // one conversion, then plain bytes: At is slow under -race
	seen := map[uint32]bool{}
	count = map[uint32]int{}
	var middle, ink int
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			i := y*rgba.Stride + 4*x
			hex := uint32(rgba.Pix[i])<<16 | uint32(rgba.Pix[i+1])<<8 | uint32(rgba.Pix[i+2])
			seen[hex] = true
			for _, w := range want {
				if hex == w {
					count[w]++
				}
			}
			if x > b.Dx()/5 && x < b.Dx()*9/10 && y > b.Dy()/5 && y < b.Dy()*4/5 {
				middle++
				if hex != 0xffffff {
					ink++
				}
			}
		}
	}
	return len(seen), float64(ink) / float64(middle), count
}

// days lists n local midnights ending on Nov 3, 2026 in New York, across
// the end of DST.
func days(tb testing.TB, n int, forward bool) []time.Time {
	tb.Helper()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]time.Time, n)
	for i := range out {
		if forward {
			out[i] = time.Date(2026, 11, 3+i, 0, 0, 0, 0, ny)
		} else {
			out[i] = time.Date(2026, 11, 3-(n-1-i), 0, 0, 0, 0, ny)
		}
	}
	return out
}

// Colours the charts promise (0xRRGGBB).
const (
	again, hard, good, easy = 0xd62728, 0xff991c, 0x2ca02c, 0x1f77b4
	below, on               = 0xf08c1a, 0x2ca02c
)

func TestReviewsPerDay(t *testing.T) {
	d := days(t, 30, false)
	counts := make([][4]int, len(d))
	for i := range counts {
		if i%6 == 4 {
			continue // a missed day
		}
		counts[i] = [4]int{i % 3, (i * 7) % 4, 8 + (i*5)%9, (i % 5) / 2}
	}
	data, err := chart.ReviewsPerDay(d, counts)
	img := mustDecode(t, "reviews-per-day", data, err)
	distinct, inked, count := pixels(img, again, hard, good, easy)
	if distinct < 10 || inked < 0.05 {
		t.Errorf("looks blank: %d colours, %.1f%% inked", distinct, 100*inked)
	}
	for _, c := range []uint32{again, hard, good, easy} {
		if count[c] < 200 {
			t.Errorf("colour %06x covers %d pixels; every rating should show", c, count[c])
		}
	}
}

func TestDueForecast(t *testing.T) {
	d := days(t, 14, true)
	data, err := chart.DueForecast(d, []int{23, 4, 9, 0, 12, 3, 1, 7, 0, 0, 5, 2, 8, 1})
	img := mustDecode(t, "due-forecast", data, err)
	distinct, inked, count := pixels(img, easy)
	if distinct < 10 || inked < 0.05 || count[easy] < 2000 {
		t.Errorf("looks blank: %d colours, %.1f%% inked, %d bar pixels", distinct, 100*inked, count[easy])
	}
}

func TestTopicRecall(t *testing.T) {
	topics := []string{"SQL", "Python", "Data Engineering", "Behavioral (STAR stories)", "Company research: TasQ's products and customers", "System design"}
	recall := []float64{0.93, 0.71, 0.88, math.NaN(), 0.97, 0.42}
	data, err := chart.TopicRecall(topics, recall, 0.9)
	img := mustDecode(t, "topic-recall", data, err)
	distinct, inked, count := pixels(img, below, on)
	if distinct < 10 || inked < 0.05 || count[below] < 2000 || count[on] < 2000 {
		t.Errorf("looks blank: %d colours, %.1f%% inked, %d below-target and %d on-target pixels", distinct, 100*inked, count[below], count[on])
	}
}

// TestEmptyCharts: no data still makes a chart, with a message, not an
// error.
func TestEmptyCharts(t *testing.T) {
	month, fortnight := days(t, 30, false), days(t, 14, true)
	cases := []struct {
		name string
		png  func() ([]byte, error)
	}{
		{"empty-reviews-per-day", func() ([]byte, error) { return chart.ReviewsPerDay(nil, nil) }},
		{"zero-reviews-per-day", func() ([]byte, error) { return chart.ReviewsPerDay(month, make([][4]int, 30)) }},
		{"empty-due-forecast", func() ([]byte, error) { return chart.DueForecast(nil, nil) }},
		{"zero-due-forecast", func() ([]byte, error) { return chart.DueForecast(fortnight, make([]int, 14)) }},
		{"empty-topic-recall", func() ([]byte, error) { return chart.TopicRecall(nil, nil, 0.9) }},
		{"unstudied-topic-recall", func() ([]byte, error) {
			return chart.TopicRecall([]string{"SQL", "Python"}, []float64{math.NaN(), math.NaN()}, 0.85)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // also shows that charts render safely side by side
			data, err := tc.png()
			img := mustDecode(t, tc.name, data, err)
			distinct, inked, _ := pixels(img)
			if distinct < 5 || inked < 0.002 {
				t.Errorf("no message drawn: %d colours, %.2f%% inked", distinct, 100*inked)
			}
		})
	}
}

func TestChartsRejectBadInput(t *testing.T) {
	cases := []struct {
		name string
		err  error
	}{
		{"reviews: lengths differ", second(chart.ReviewsPerDay(days(t, 3, false), make([][4]int, 2)))},
		{"reviews: negative", second(chart.ReviewsPerDay(days(t, 1, false), [][4]int{{0, -1, 0, 0}}))},
		{"due: lengths differ", second(chart.DueForecast(days(t, 2, true), []int{1}))},
		{"due: negative", second(chart.DueForecast(days(t, 1, true), []int{-3}))},
		{"recall: lengths differ", second(chart.TopicRecall([]string{"SQL"}, nil, 0.9))},
		{"recall: above 1", second(chart.TopicRecall([]string{"SQL"}, []float64{1.5}, 0.9))},
		{"recall: target NaN", second(chart.TopicRecall([]string{"SQL"}, []float64{0.5}, math.NaN()))},
	}
	for _, tc := range cases {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func second(_ []byte, err error) error { return err }

// TestTopicRecallMakesRoomForManyTopics: with more topics than fit in the
// usual height, the chart grows, so that each topic's bar sits in a row at
// least as tall as its label (21 pt, 28 px) and the labels do not overlap.
func TestTopicRecallMakesRoomForManyTopics(t *testing.T) {
	const n = 28
	topics, recall := make([]string, n), make([]float64, n)
	for i := range topics {
		topics[i] = fmt.Sprintf("Topic %d", i+1)
		recall[i] = 0.5 // all below the target: one colour
	}
	height := chart.TopicRecallHeight(n)
	if height <= chart.Height {
		t.Fatalf("%d topics keep the height %d", n, height)
	}
	img := mustDecodeSized(t, "topic-recall-28", second2(chart.TopicRecall(topics, recall, 0.9)), nil, height)
	// Find the bars: runs of rows holding the bar colour, below the title
	// and the legend (whose swatch has it too).
	b := img.Bounds()
	var starts []int
	inBar := false
	for y := 150; y < b.Dy(); y++ {
		has := false
		for x := b.Dx() / 4; x < b.Dx()/2; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if uint32(r>>8)<<16|uint32(g>>8)<<8|uint32(bl>>8) == below {
				has = true
				break
			}
		}
		if has && !inBar {
			starts = append(starts, y)
		}
		inBar = has
	}
	if len(starts) != n {
		t.Fatalf("%d bars found, want %d", len(starts), n)
	}
	for i := 1; i < n; i++ {
		if gap := starts[i] - starts[i-1]; gap < 28 {
			t.Fatalf("bars %d and %d are %d px apart, less than a label's height", i, i+1, gap)
		}
	}
}

// second2 keeps a value and drops its error, which the caller checks by
// decoding.
func second2(data []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return data
}
