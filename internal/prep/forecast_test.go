package prep_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/prep"
)

// forecastParams are the FSRS parameters the engine schedules with at
// retention 0.9; the tests compute their expectations with them.
func forecastParams() fsrs.Parameters {
	p := fsrs.DefaultParam()
	p.RequestRetention = 0.9
	return p
}

func forecastCard(id, topic string) prep.Card {
	return prep.Card{ID: id, Topic: topic, Question: id + "?"}
}

func forecastLibrary(tb testing.TB, cards ...prep.Card) *prep.Library {
	tb.Helper()
	lib, err := prep.NewLibrary(cards, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return lib
}

// reviewed is a card in the Review state last reviewed at last.
func reviewed(id string, stability float64, last time.Time) prep.CardState {
	return prep.CardState{CardID: id, FSRS: fsrs.Card{State: fsrs.Review, Stability: stability, Difficulty: 5, Reps: 3, LastReview: last, Due: last.Add(time.Duration(stability * 24 * float64(time.Hour)))}}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestForecastRecallByHand(t *testing.T) {
	ny := statsZone(t, "America/New_York")
	interview := time.Date(2026, 12, 1, 14, 0, 0, 0, ny)
	ago := func(days float64) time.Time { return interview.Add(-time.Duration(days * 24 * float64(time.Hour))) }
	in := prep.StatsInput{
		Now:       time.Date(2026, 11, 20, 9, 0, 0, 0, ny),
		Location:  ny,
		Retention: 0.9,
		Library: forecastLibrary(t,
			forecastCard("c1", "SQL"), forecastCard("c2", "SQL"), forecastCard("p1", "Python"),
			forecastCard("b1", "Behavioral"), forecastCard("b2", "Behavioral"),
			forecastCard("s1", "Systems"), forecastCard("a1", "Algorithms")),
		States: []prep.CardState{
			reviewed("c1", 20, ago(20)),
			reviewed("c2", 5, ago(15)),
			reviewed("p1", 100, ago(12)),
			reviewed("s1", 2, ago(20.5)),
			reviewed("a1", 2, ago(20.5)),
			{CardID: "b2", FSRS: fsrs.NewCard(ago(30))}, // stored but never rated: unknown
			reviewed("gone", 1, ago(40)),                // removed from the decks
		},
	}
	p := forecastParams()
	// Stability is, by FSRS's definition, the time after which recall falls
	// to 90%: c1 is reviewed exactly its stability before the interview.
	rc1 := 0.9
	if got := p.ForgettingCurve(20, 20); !near(got, rc1) {
		t.Fatalf("the library's curve at t = S is %v, want 0.9", got)
	}
	rc2, rp1 := p.ForgettingCurve(15, 5), p.ForgettingCurve(12, 100)
	rs1 := p.ForgettingCurve(20.5, 2) // half a day counts: no rounding to whole days

	rd := prep.Forecast(in, interview, 0.9)
	if rd.Studied != 5 || rd.Unknown != 2 {
		t.Errorf("Studied, Unknown = %d, %d; want 5, 2 (b1 and b2 never rated, gone ignored)", rd.Studied, rd.Unknown)
	}
	if want := (rc1 + rc2 + rp1 + 2*rs1) / 5; !near(rd.Recall, want) {
		t.Errorf("Recall = %v, want %v, the mean of the studied cards only", rd.Recall, want)
	}
	wantTopics := []prep.TopicRecall{
		{Topic: "SQL", Studied: 2, Recall: (rc1 + rc2) / 2},
		{Topic: "Python", Studied: 1, Recall: rp1},
		{Topic: "Behavioral", Unknown: 2, Recall: math.NaN()},
		{Topic: "Systems", Studied: 1, Recall: rs1},
		{Topic: "Algorithms", Studied: 1, Recall: rs1},
	}
	if len(rd.Topics) != len(wantTopics) {
		t.Fatalf("Topics = %+v", rd.Topics)
	}
	for i, want := range wantTopics {
		got := rd.Topics[i]
		sameRecall := near(got.Recall, want.Recall) || math.IsNaN(got.Recall) && math.IsNaN(want.Recall)
		if got.Topic != want.Topic || got.Studied != want.Studied || got.Unknown != want.Unknown || !sameRecall {
			t.Errorf("Topics[%d] = %+v, want %+v", i, got, want)
		}
	}
	// Algorithms and Systems tie and go by name; Behavioral is unknown, not
	// weak; SQL (about 0.86) is below Python (about 0.99).
	var weakest []string
	for _, w := range rd.Weakest {
		weakest = append(weakest, w.Topic)
	}
	if fmt.Sprint(weakest) != "[Algorithms Systems SQL]" {
		t.Errorf("Weakest = %v, want [Algorithms Systems SQL]", weakest)
	}
}

// singleCardInput is one Review card of stability 3 last reviewed four days
// ago; the interview is three days and five hours away, so the daily
// sessions fall at now, +1d, +2d and +3d.
func singleCardInput(tb testing.TB, extra ...prep.CardState) (prep.StatsInput, time.Time) {
	tb.Helper()
	ny := statsZone(tb, "America/New_York")
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, ny)
	cards := []prep.Card{forecastCard("weak", "T")}
	states := []prep.CardState{reviewed("weak", 3, now.AddDate(0, 0, -4))}
	for _, s := range extra {
		cards = append(cards, forecastCard(s.CardID, "T"))
		states = append(states, s)
	}
	in := prep.StatsInput{Now: now, Location: ny, Retention: 0.9, Library: forecastLibrary(tb, cards...), States: states}
	return in, now.AddDate(0, 0, 3).Add(5 * time.Hour)
}

// handSimulation reviews the card Good at each of the four sessions with
// the library's scheduler and returns it.
func handSimulation(t *testing.T, st prep.CardState, now time.Time) fsrs.Card {
	t.Helper()
	f := fsrs.NewFSRS(forecastParams())
	c := st.FSRS
	for k := range 4 {
		info, err := f.Next(c, now.AddDate(0, 0, k), fsrs.Good)
		if err != nil {
			t.Fatal(err)
		}
		c = info.Card
	}
	return c
}

func TestSimulateRecallByHand(t *testing.T) {
	p := forecastParams()
	in, interview := singleCardInput(t)
	days := func(d time.Duration) float64 { return d.Hours() / 24 }

	// No reviews: the card decays for 7 days 5 hours.
	if got, want := prep.SimulateRecall(in, interview, 0), p.ForgettingCurve(days(7*24*time.Hour+5*time.Hour), 3); !near(got, want) {
		t.Errorf("0 a day: %v, want %v", got, want)
	}
	// One a day: reviewed at each session, last 5 hours before.
	c := handSimulation(t, in.States[0], in.Now)
	want := p.ForgettingCurve(days(5*time.Hour), c.Stability)
	if got := prep.SimulateRecall(in, interview, 1); !near(got, want) {
		t.Errorf("1 a day: %v, want %v", got, want)
	}
	if rd := prep.Forecast(in, interview, 0.95); rd.Days != 4 {
		t.Errorf("Days = %d, want 4 sessions", rd.Days)
	}

	// With a well-known card beside it, one review a day goes to the weak
	// card every time.
	strong := reviewed("strong", 1000, in.Now.AddDate(0, 0, -1))
	in, interview = singleCardInput(t, strong)
	c = handSimulation(t, in.States[0], in.Now)
	want = (p.ForgettingCurve(days(5*time.Hour), c.Stability) + p.ForgettingCurve(days(interview.Sub(strong.FSRS.LastReview)), 1000)) / 2
	if got := prep.SimulateRecall(in, interview, 1); !near(got, want) {
		t.Errorf("1 a day of two cards: %v, want %v (the weak card reviewed daily)", got, want)
	}
}

// varietyInput is 40 cards of many stabilities and ages, some still in
// learning, with an interview two weeks off.
func varietyInput(tb testing.TB) (prep.StatsInput, time.Time) {
	tb.Helper()
	ny := statsZone(tb, "America/New_York")
	now := time.Date(2026, 3, 2, 8, 30, 0, 0, ny) // the sessions cross the start of DST on Mar 8
	var cards []prep.Card
	var states []prep.CardState
	for i := range 40 {
		id := fmt.Sprintf("c%02d", i)
		cards = append(cards, forecastCard(id, []string{"SQL", "Python", "Behavioral", "Company"}[i%4]))
		st := reviewed(id, 0.5+float64(i*i%61), now.Add(-time.Duration(i*i%31)*24*time.Hour-time.Duration(i)*time.Hour))
		st.FSRS.Difficulty = 1 + float64(i%9)
		if i%7 == 0 {
			st.FSRS.State, st.FSRS.RemainingSteps = fsrs.Learning, 1
		}
		states = append(states, st)
	}
	cards = append(cards, forecastCard("new1", "SQL"), forecastCard("new2", "Company"))
	return prep.StatsInput{Now: now, Location: ny, Retention: 0.9, Library: forecastLibrary(tb, cards...), States: states}, now.AddDate(0, 0, 14).Add(2 * time.Hour)
}

func TestSimulatedRecallGrowsWithReviews(t *testing.T) {
	in, interview := varietyInput(t)
	prev := -1.0
	for n := 0; n <= 40; n++ {
		r := prep.SimulateRecall(in, interview, n)
		if r < prev {
			t.Errorf("%d a day gives %v, less than %v with one fewer", n, r, prev)
		}
		prev = r
	}
}

func TestReviewsPerDayReachesTargetAndIsMonotone(t *testing.T) {
	in, interview := varietyInput(t)
	prev := 0
	for target := 0.50; target <= 1.0001; target += 0.01 {
		rd := prep.Forecast(in, interview, target)
		if rd.ReviewsPerDay < prev {
			t.Errorf("target %.2f needs %d a day, fewer than %d for a lower target", target, rd.ReviewsPerDay, prev)
		}
		prev = rd.ReviewsPerDay
		got := prep.SimulateRecall(in, interview, rd.ReviewsPerDay)
		if got != rd.PlannedRecall {
			t.Errorf("target %.2f: PlannedRecall %v, simulation gives %v", target, rd.PlannedRecall, got)
		}
		switch {
		case !rd.Reachable:
			if rd.ReviewsPerDay != rd.Studied || got >= target {
				t.Errorf("target %.2f unreachable with %d a day (recall %v)", target, rd.ReviewsPerDay, got)
			}
		case got < target:
			t.Errorf("target %.2f: %d a day reaches only %v", target, rd.ReviewsPerDay, got)
		case rd.ReviewsPerDay > 0 && prep.SimulateRecall(in, interview, rd.ReviewsPerDay-1) >= target:
			t.Errorf("target %.2f: %d a day is not the least; one fewer reaches it", target, rd.ReviewsPerDay)
		}
	}
	if rd := prep.Forecast(in, interview, 0.5); rd.ReviewsPerDay != 0 || !rd.Reachable || rd.PlannedRecall != rd.Recall {
		t.Errorf("a target already met: %+v", rd)
	}
	if rd := prep.Forecast(in, interview, 1.01); rd.Reachable || rd.ReviewsPerDay != 40 {
		t.Errorf("an impossible target: reachable %v with %d a day", rd.Reachable, rd.ReviewsPerDay)
	}
	if rd := prep.Forecast(in, interview, 0.95); rd.Studied != 40 || rd.Unknown != 2 || rd.Days != 15 || !rd.Reachable || rd.ReviewsPerDay == 0 {
		t.Errorf("0.95 in two weeks: %+v", rd)
	}
}

func TestForecastEdges(t *testing.T) {
	in, interview := varietyInput(t)

	past := prep.Forecast(in, in.Now.Add(-time.Hour), 0.99)
	if past.Days != 0 || past.ReviewsPerDay != 0 && past.ReviewsPerDay != past.Studied || past.Reachable {
		t.Errorf("an interview already past: %+v", past)
	}

	empty := in
	empty.States = nil
	rd := prep.Forecast(empty, interview, 0.9)
	if rd.Studied != 0 || rd.Unknown != 42 || !math.IsNaN(rd.Recall) || !math.IsNaN(rd.PlannedRecall) || rd.Reachable || rd.ReviewsPerDay != 0 || len(rd.Weakest) != 0 {
		t.Errorf("nothing studied: %+v", rd)
	}
	if r := prep.SimulateRecall(empty, interview, 5); !math.IsNaN(r) {
		t.Errorf("SimulateRecall with nothing studied = %v, want NaN", r)
	}

	// A year away: only the last MaxSimulatedDays days are simulated.
	far := prep.Forecast(in, in.Now.AddDate(1, 0, 0), 0.9)
	if far.Days != prep.MaxSimulatedDays {
		t.Errorf("a year away: %d days simulated, want %d", far.Days, prep.MaxSimulatedDays)
	}
}

func BenchmarkForecast(b *testing.B) {
	// A big deck: 400 cards, interview 90 days away.
	now := time.Date(2026, 3, 2, 8, 30, 0, 0, time.UTC)
	var cards []prep.Card
	var states []prep.CardState
	for i := range 400 {
		id := fmt.Sprintf("c%03d", i)
		cards = append(cards, forecastCard(id, fmt.Sprint("T", i%10)))
		states = append(states, reviewed(id, 0.5+float64(i*i%97), now.Add(-time.Duration(i*i%41)*24*time.Hour)))
	}
	in := prep.StatsInput{Now: now, Location: time.UTC, Retention: 0.9, Library: forecastLibrary(b, cards...), States: states}
	for b.Loop() {
		prep.Forecast(in, now.AddDate(0, 0, 90), 0.97)
	}
}

// TestSuspendedCardsAreLeftOutOfTheForecast: a card set aside is not
// asked, so it is not part of the day's recall; a suspended leech used to
// pull its topic down to "weakest".
func TestSuspendedCardsAreLeftOutOfTheForecast(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	interview := now.AddDate(0, 0, 5)
	strong := reviewed("a", 200, now.AddDate(0, 0, -1))
	weak := reviewed("b", 0.5, now.AddDate(0, 0, -10))
	lib := forecastLibrary(t, forecastCard("a", "SQL"), forecastCard("b", "Python"))
	in := prep.StatsInput{Now: now, Location: time.UTC, Retention: 0.9, Library: lib, States: []prep.CardState{strong, weak}}
	with := prep.Forecast(in, interview, 0.95)
	weak.Suspended = true
	in.States = []prep.CardState{strong, weak}
	without := prep.Forecast(in, interview, 0.95)
	if without.Studied != 1 || without.Recall <= with.Recall {
		t.Fatalf("suspended: studied %d, recall %.3f; not suspended: recall %.3f", without.Studied, without.Recall, with.Recall)
	}
	for _, tr := range without.Weakest {
		if tr.Topic == "Python" {
			t.Errorf("the suspended card's topic is among the weakest: %+v", without.Weakest)
		}
	}
}
