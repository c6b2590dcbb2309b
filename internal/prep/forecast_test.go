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

// TestPlanRecallByHand: a card due now, reviewed Good at today's session
// and not again (its next review, with recall on the day above the
// target, falls after the interview), against a hand computation with
// go-fsrs; a strong card beside it is never reviewed.
func TestPlanRecallByHand(t *testing.T) {
	p := forecastParams()
	ny := statsZone(t, "America/New_York")
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, ny)
	interview := now.AddDate(0, 0, 2).Add(5 * time.Hour)
	weak := reviewed("weak", 3, now.AddDate(0, 0, -3)) // due now
	strong := reviewed("strong", 1000, now.AddDate(0, 0, -1))
	in := prep.StatsInput{Now: now, Location: ny, Retention: 0.9, Library: forecastLibrary(t, forecastCard("weak", "T"), forecastCard("strong", "T")),
		States: []prep.CardState{weak, strong}}
	info, err := fsrs.NewFSRS(p).Next(weak.FSRS, now, fsrs.Good)
	if err != nil {
		t.Fatal(err)
	}
	days := func(d time.Duration) float64 { return d.Hours() / 24 }
	want := (p.ForgettingCurve(days(interview.Sub(now)), info.Card.Stability) + p.ForgettingCurve(days(interview.Sub(strong.FSRS.LastReview)), 1000)) / 2
	if p.ForgettingCurve(days(interview.Sub(now)), info.Card.Stability) < prep.InterviewTarget(0.9) {
		t.Fatal("scenario broken: the reviewed card would be brought back before the interview")
	}
	recall, perDay, busiest := prep.PlanRecall(in, interview)
	if !near(recall, want) || busiest != 1 || perDay != 1 {
		t.Errorf("plan: recall %v (want %v), %d a day, %d on the busiest (want 1, 1)", recall, want, perDay, busiest)
	}
	if rd := prep.Forecast(in, interview, 0.95); rd.Days != 3 || rd.PlannedRecall != recall || rd.PlannedRecall <= rd.Recall {
		t.Errorf("Forecast: %+v", rd)
	}
}

// TestPlanKeepsTheReviewLimitAndReachesTheTarget: the plan reviews no more
// a day than the user's limit allows (an advice of "11 a day" came with a
// limit of 5), and, with the reviews aimed at the interview, it brings 40
// assorted cards past the 95% target in two weeks.
func TestPlanKeepsTheReviewLimitAndReachesTheTarget(t *testing.T) {
	in, interview := varietyInput(t)
	rd := prep.Forecast(in, interview, 0.95)
	if rd.Studied != 40 || rd.Unknown != 2 || rd.Days != 15 || !rd.Reachable || rd.ReviewsPerDay == 0 || rd.PlannedRecall < rd.Recall {
		t.Errorf("0.95 in two weeks: %+v", rd)
	}
	in.ReviewLimit = &prep.ReviewLimit{PerDay: 2}
	limited := prep.Forecast(in, interview, 0.95)
	if limited.BusiestDay > 2 || limited.ReviewsPerDay > 2 {
		t.Errorf("with a limit of 2: %d a day, %d on the busiest", limited.ReviewsPerDay, limited.BusiestDay)
	}
	if limited.PlannedRecall > rd.PlannedRecall {
		t.Errorf("fewer reviews planned a higher recall: %v > %v", limited.PlannedRecall, rd.PlannedRecall)
	}
	if r := prep.Forecast(in, interview, 0); r.ReviewsPerDay != 0 || !math.IsNaN(r.PlannedRecall) {
		t.Errorf("no target, no plan: %+v", r)
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

func TestForecastEdges(t *testing.T) {
	in, interview := varietyInput(t)

	past := prep.Forecast(in, in.Now.Add(-time.Hour), 0.99)
	if past.Days != 0 || past.ReviewsPerDay != 0 || past.Reachable {
		t.Errorf("an interview already past: %+v", past)
	}

	empty := in
	empty.States = nil
	rd := prep.Forecast(empty, interview, 0.9)
	if rd.Studied != 0 || rd.Unknown != 42 || !math.IsNaN(rd.Recall) || !math.IsNaN(rd.PlannedRecall) || rd.Reachable || rd.ReviewsPerDay != 0 || len(rd.Weakest) != 0 {
		t.Errorf("nothing studied: %+v", rd)
	}
	if r, _, _ := prep.PlanRecall(empty, interview); !math.IsNaN(r) {
		t.Errorf("PlanRecall with nothing studied = %v, want NaN", r)
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

// TestPlanNamesTheLimitAndTakesTheLastHours: short of the target only
// because of the review limit, the forecast says which limit would do, and
// that limit does; and with the interview within a day, the plan still
// takes the cards that fall due before it (a learning step due in
// minutes), where it used to take only those due at this very moment.
func TestPlanNamesTheLimitAndTakesTheLastHours(t *testing.T) {
	in, interview := varietyInput(t)
	in.ReviewLimit = &prep.ReviewLimit{PerDay: 1}
	rd := prep.Forecast(in, interview, 0.95)
	if rd.Reachable || rd.LimitNeeded <= 1 {
		t.Fatalf("with a limit of 1: reachable %v, limit needed %d", rd.Reachable, rd.LimitNeeded)
	}
	in.ReviewLimit = &prep.ReviewLimit{PerDay: rd.LimitNeeded}
	if again := prep.Forecast(in, interview, 0.95); !again.Reachable || again.LimitNeeded != 0 {
		t.Errorf("with the limit it named (%d): %+v", rd.LimitNeeded, again)
	}

	now := time.Date(2026, 11, 29, 14, 11, 0, 0, time.UTC)
	step := prep.CardState{CardID: "a", FSRS: fsrs.Card{State: fsrs.Learning, Stability: 2, Difficulty: 5, Reps: 1, RemainingSteps: 1,
		LastReview: now.Add(-4 * time.Minute), Due: now.Add(6 * time.Minute)}}
	soon := prep.StatsInput{Now: now, Location: time.UTC, Retention: 0.9, Library: forecastLibrary(t, forecastCard("a", "T")), States: []prep.CardState{step}}
	r := prep.Forecast(soon, now.Add(24*time.Hour-11*time.Minute), 0.95)
	if r.BusiestDay != 1 || r.PlannedRecall <= r.Recall {
		t.Errorf("interview tomorrow, a step due in 6 minutes: %+v", r)
	}
}

// TestPlanCountsTodaysReviews: today's session has only what is left of
// the day's limit; it used to have the whole limit, whatever had been
// done already.
func TestPlanCountsTodaysReviews(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	weak := reviewed("a", 3, now.AddDate(0, 0, -4)) // due yesterday
	in := prep.StatsInput{Now: now, Location: time.UTC, Retention: 0.9, Library: forecastLibrary(t, forecastCard("a", "T")), States: []prep.CardState{weak}}
	interview := now.Add(20 * time.Hour) // one session: today's
	for _, tc := range []struct {
		done, busiest int
	}{{0, 1}, {4, 1}, {5, 0}} {
		in.ReviewLimit = &prep.ReviewLimit{PerDay: 5, DoneToday: tc.done}
		if rd := prep.Forecast(in, interview, 0.95); rd.BusiestDay != tc.busiest {
			t.Errorf("%d of 5 done today: %d reviews planned today, want %d", tc.done, rd.BusiestDay, tc.busiest)
		}
	}
}
