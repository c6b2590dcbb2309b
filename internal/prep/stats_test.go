package prep_test

import (
	"reflect"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"

	"github.com/prepbot/prepbot/internal/prep"
)

// statsZone loads a time zone from the system's database.
func statsZone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load time zone %s: %v", name, err)
	}
	return loc
}

// edt and est write New York wall-clock times of 2026 with their offset
// spelled out, so each fixture time can be checked by hand on either side
// of the end of DST (2026-11-01 02:00 EDT = 01:00 EST).
func edt(mo time.Month, d, h, m int) time.Time {
	return time.Date(2026, mo, d, h, m, 0, 0, time.FixedZone("EDT", -4*60*60))
}

func est(mo time.Month, d, h, m int) time.Time {
	return time.Date(2026, mo, d, h, m, 0, 0, time.FixedZone("EST", -5*60*60))
}

// statsLibrary has four cards and a SQL exercise in four topics; the
// exercise's topic comes after the cards' topics.
func statsLibrary(tb testing.TB) *prep.Library {
	tb.Helper()
	lib, err := prep.NewLibrary([]prep.Card{
		{ID: "sql1", Topic: "SQL", Question: "What is a CTE?"},
		{ID: "sql2", Topic: "SQL", Question: "DELETE vs TRUNCATE?"},
		{ID: "py1", Topic: "Python", Question: "List vs tuple?"},
		{ID: "beh1", Topic: "Behavioral", Question: "A conflict you resolved"},
		{ID: "beh2", Topic: "Behavioral", Question: "Your biggest failure"},
	}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	lib.Exercises = []prep.Exercise{{ID: "sql-top3", Kind: prep.SQLExercise, Topic: "Window functions", Title: "Top 3 per group"}}
	return lib
}

func statsReview(at time.Time, id string, before fsrs.State, r prep.Rating) prep.Review {
	return prep.Review{CardID: id, Time: at, Rating: r, Before: prep.CardState{CardID: id, FSRS: fsrs.Card{State: before}}}
}

func statsState(id string, state fsrs.State, stability float64, due time.Time) prep.CardState {
	return prep.CardState{CardID: id, FSRS: fsrs.Card{State: state, Stability: stability, Difficulty: 5, Due: due, LastReview: due.AddDate(0, 0, -1)}}
}

// statsFixture is a review log and card states in America/New_York around
// the end of DST on Sunday 2026-11-01, with reviews at 23:59 and 00:01, at
// the repeated 01:30, and at 23:30 local (already the next day in UTC).
// Days with reviews: Oct 4, 10, 27, 28, 29, 31, Nov 1, 2, 3; none on Oct 30
// or Nov 4.
func statsFixture(tb testing.TB) prep.StatsInput {
	tb.Helper()
	return prep.StatsInput{
		Location:  statsZone(tb, "America/New_York"),
		Retention: 0.9,
		Library:   statsLibrary(tb),
		Reviews: []prep.Review{
			statsReview(edt(time.October, 4, 23, 30), "sql1", fsrs.Review, prep.Good),        // a: Oct 5 in UTC, outside every window
			statsReview(edt(time.October, 10, 12, 0), "sql1", fsrs.Review, prep.Again),       // b
			statsReview(edt(time.October, 27, 23, 30), "sql2", fsrs.Review, prep.Good),       // c: Oct 28 in UTC
			statsReview(edt(time.October, 28, 10, 0), "py1", fsrs.New, prep.Good),            // d
			statsReview(edt(time.October, 29, 10, 0), "sql-top3", fsrs.New, prep.Again),      // e: SQL exercise failed
			statsReview(edt(time.October, 31, 23, 30), "sql2", fsrs.Review, prep.Hard),       // f: Nov 1 in UTC
			statsReview(edt(time.November, 1, 1, 30), "beh1", fsrs.Review, prep.Again),       // g: the first 01:30
			statsReview(est(time.November, 1, 1, 30), "beh1", fsrs.Relearning, prep.Good),    // h: the second 01:30
			statsReview(est(time.November, 2, 23, 59), "sql-top3", fsrs.Learning, prep.Good), // i
			statsReview(est(time.November, 3, 0, 1), "sql-top3", fsrs.Review, prep.Good),     // j: two minutes later, the next day
			statsReview(est(time.November, 3, 8, 0), "old1", fsrs.Review, prep.Good),         // l: a card since removed
			statsReview(est(time.November, 3, 19, 0), "sql1", fsrs.Review, prep.Easy),        // k: Nov 4 in UTC
		},
		States: []prep.CardState{
			statsState("sql1", fsrs.Review, 30, edt(time.October, 30, 9, 0)),        // mastered, overdue
			statsState("sql2", fsrs.Review, 5, est(time.November, 10, 8, 0)),        // review
			statsState("py1", fsrs.Learning, 0.5, est(time.November, 3, 20, 10)),    // learning, due in ten minutes
			statsState("beh1", fsrs.Relearning, 2, est(time.November, 4, 0, 30)),    // learning, due after midnight
			statsState("sql-top3", fsrs.Review, 21, est(time.November, 16, 23, 30)), // mastered at the threshold; Nov 17 in UTC
			statsState("old1", fsrs.Review, 50, edt(time.October, 1, 9, 0)),         // removed from the decks
			// beh2 has never been reviewed.
		},
	}
}

func TestComputeStatsByHand(t *testing.T) {
	ny := statsZone(t, "America/New_York")
	// The rating counts of the fixture's days within 30 local days of
	// Nov 3, 4 and 5 alike ([Again, Hard, Good, Easy]); every other day is 0.
	daily := map[string][4]int{
		"2026-10-10": {1, 0, 0, 0},
		"2026-10-27": {0, 0, 1, 0},
		"2026-10-28": {0, 0, 1, 0},
		"2026-10-29": {1, 0, 0, 0},
		"2026-10-31": {0, 1, 0, 0},
		"2026-11-01": {1, 0, 1, 0},
		"2026-11-02": {0, 0, 1, 0},
		"2026-11-03": {0, 0, 2, 1},
	}
	cards := prep.StateCounts{New: 1, Learning: 2, Review: 3, Mastered: 2}
	cases := []struct {
		name          string
		now           time.Time
		today         time.Time
		reviewsToday  int
		reviewsWeek   int
		streak        int
		pending       bool
		r7, r30       prep.Rate
		topics        []prep.TopicProgress
		due           map[int]int // day offset → cards due that local day
		sqlPassRate   prep.Rate
		dailyExcludes string // a day with reviews that has left the 30-day series
	}{
		{
			// Today has j, k, l. The week is Oct 28–Nov 3: d–l. The streak
			// runs Nov 3, 2, 1, Oct 31 and stops at the empty Oct 30.
			// Retention: f, g, j, k, l in the week (g is Again); b and c
			// join them in 30 days (b is Again); h was relearning.
			name: "evening with reviews today", now: est(time.November, 3, 20, 0), today: time.Date(2026, 11, 3, 0, 0, 0, 0, ny),
			reviewsToday: 3, reviewsWeek: 9, streak: 4, pending: false,
			r7: prep.Rate{Hits: 4, N: 5}, r30: prep.Rate{Hits: 5, N: 7},
			topics: []prep.TopicProgress{
				{Topic: "SQL", Total: 2, Seen: 2, Mastered: 1, Due: 1},    // sql1 overdue; sql2 on Nov 10
				{Topic: "Python", Total: 1, Seen: 1, Mastered: 0, Due: 0}, // py1 due at 20:10
				{Topic: "Behavioral", Total: 2, Seen: 1, Mastered: 0, Due: 0},
				{Topic: "Window functions", Total: 1, Seen: 1, Mastered: 1, Due: 0},
			},
			// Today: sql1 (overdue) and py1; Nov 4: beh1; Nov 10: sql2;
			// Nov 16: sql-top3 (day 14 in UTC, out of the window).
			due:         map[int]int{0: 2, 1: 1, 7: 1, 13: 1},
			sqlPassRate: prep.Rate{Hits: 2, N: 3}, // e Again; i and j Good; "sql1" is a card, not an exercise
		},
		{
			// No review yet on Nov 4: the streak still counts to
			// yesterday, pending. The week is Oct 29–Nov 4: e–l.
			name: "late evening, nothing yet today", now: est(time.November, 4, 21, 0), today: time.Date(2026, 11, 4, 0, 0, 0, 0, ny),
			reviewsToday: 0, reviewsWeek: 8, streak: 4, pending: true,
			r7: prep.Rate{Hits: 4, N: 5}, r30: prep.Rate{Hits: 5, N: 7},
			topics: []prep.TopicProgress{
				{Topic: "SQL", Total: 2, Seen: 2, Mastered: 1, Due: 1},
				{Topic: "Python", Total: 1, Seen: 1, Mastered: 0, Due: 1},
				{Topic: "Behavioral", Total: 2, Seen: 1, Mastered: 0, Due: 1},
				{Topic: "Window functions", Total: 1, Seen: 1, Mastered: 1, Due: 0},
			},
			due:         map[int]int{0: 3, 6: 1, 12: 1},
			sqlPassRate: prep.Rate{Hits: 2, N: 3},
		},
		{
			// Nov 4 ended without a review: the streak is broken. The week
			// is Oct 30–Nov 5: f–l.
			name: "just after midnight, a day missed", now: est(time.November, 5, 0, 30), today: time.Date(2026, 11, 5, 0, 0, 0, 0, ny),
			reviewsToday: 0, reviewsWeek: 7, streak: 0, pending: false,
			r7: prep.Rate{Hits: 4, N: 5}, r30: prep.Rate{Hits: 5, N: 7},
			topics: []prep.TopicProgress{
				{Topic: "SQL", Total: 2, Seen: 2, Mastered: 1, Due: 1},
				{Topic: "Python", Total: 1, Seen: 1, Mastered: 0, Due: 1},
				{Topic: "Behavioral", Total: 2, Seen: 1, Mastered: 0, Due: 1},
				{Topic: "Window functions", Total: 1, Seen: 1, Mastered: 1, Due: 0},
			},
			due:         map[int]int{0: 3, 5: 1, 11: 1},
			sqlPassRate: prep.Rate{Hits: 2, N: 3},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := statsFixture(t)
			in.Now = tc.now
			got := prep.ComputeStats(in)
			if !got.Today.Equal(tc.today) {
				t.Errorf("Today = %v, want %v", got.Today, tc.today)
			}
			if got.ReviewsToday != tc.reviewsToday || got.ReviewsWeek != tc.reviewsWeek {
				t.Errorf("reviews today, week = %d, %d; want %d, %d", got.ReviewsToday, got.ReviewsWeek, tc.reviewsToday, tc.reviewsWeek)
			}
			if got.Streak != tc.streak || got.StreakPending != tc.pending {
				t.Errorf("streak = %d (pending %v), want %d (pending %v)", got.Streak, got.StreakPending, tc.streak, tc.pending)
			}
			if got.Retention7 != tc.r7 || got.Retention30 != tc.r30 {
				t.Errorf("true retention 7d, 30d = %+v, %+v; want %+v, %+v", got.Retention7, got.Retention30, tc.r7, tc.r30)
			}
			if got.DesiredRetention != 0.9 {
				t.Errorf("DesiredRetention = %v, want 0.9", got.DesiredRetention)
			}
			if got.Cards != cards {
				t.Errorf("Cards = %+v, want %+v", got.Cards, cards)
			}
			if !reflect.DeepEqual(got.Topics, tc.topics) {
				t.Errorf("Topics =\n%+v\nwant\n%+v", got.Topics, tc.topics)
			}
			if got.SQLPassRate != tc.sqlPassRate {
				t.Errorf("SQLPassRate = %+v, want %+v", got.SQLPassRate, tc.sqlPassRate)
			}

			if len(got.Due) != prep.ForecastDays {
				t.Fatalf("len(Due) = %d, want %d", len(got.Due), prep.ForecastDays)
			}
			for i, d := range got.Due {
				if want := tc.today.AddDate(0, 0, i); !d.Day.Equal(want) {
					t.Errorf("Due[%d].Day = %v, want local midnight %v", i, d.Day, want)
				}
				if d.Count != tc.due[i] {
					t.Errorf("Due[%d] (%s) = %d, want %d", i, d.Day.Format("Jan 2"), d.Count, tc.due[i])
				}
			}

			if len(got.Daily) != prep.HistoryDays {
				t.Fatalf("len(Daily) = %d, want %d", len(got.Daily), prep.HistoryDays)
			}
			for i, d := range got.Daily {
				want := tc.today.AddDate(0, 0, i-(prep.HistoryDays-1))
				if !d.Day.Equal(want) {
					t.Errorf("Daily[%d].Day = %v, want local midnight %v", i, d.Day, want)
				}
				if d.Count != daily[want.Format("2006-01-02")] {
					t.Errorf("Daily[%d] (%s) = %v, want %v", i, want.Format("Jan 2"), d.Count, daily[want.Format("2006-01-02")])
				}
			}
		})
	}
}

// TestStatsDaysAcrossDST checks that the 25-hour day of the end of DST is
// one day of the series, and that day labels are local midnights.
func TestStatsDaysAcrossDST(t *testing.T) {
	in := statsFixture(t)
	in.Now = est(time.November, 3, 20, 0)
	got := prep.ComputeStats(in)
	sun, mon := got.Daily[prep.HistoryDays-3], got.Daily[prep.HistoryDays-2]
	if want := edt(time.November, 1, 0, 0); !sun.Day.Equal(want) {
		t.Errorf("Sunday's label = %v, want %v", sun.Day, want)
	}
	if d := mon.Day.Sub(sun.Day); d != 25*time.Hour {
		t.Errorf("Sunday Nov 1 lasts %v, want 25h", d)
	}
	if sun.Total() != 2 {
		t.Errorf("Sunday has %d reviews, want both 01:30s", sun.Total())
	}
}

// TestStatsDayWhoseMidnightIsSkipped: in Chile DST starts at midnight, so
// 2024-09-08 begins at 01:00; time.Date alone would say 23:00 the day before.
func TestStatsDayWhoseMidnightIsSkipped(t *testing.T) {
	santiago := statsZone(t, "America/Santiago")
	in := prep.StatsInput{
		Now:      time.Date(2024, 9, 9, 12, 0, 0, 0, santiago),
		Location: santiago,
		Reviews:  []prep.Review{statsReview(time.Date(2024, 9, 8, 1, 0, 0, 0, santiago), "x", fsrs.Review, prep.Good)},
	}
	got := prep.ComputeStats(in)
	sep8 := got.Daily[prep.HistoryDays-2]
	if want := time.Date(2024, 9, 8, 4, 0, 0, 0, time.UTC); !sep8.Day.Equal(want) {
		t.Errorf("Sep 8 starts %v, want %v (01:00 -03)", sep8.Day, want.In(santiago))
	}
	if y, m, d := sep8.Day.In(santiago).Date(); y != 2024 || m != 9 || d != 8 {
		t.Errorf("Sep 8's label falls on %d-%02d-%02d", y, m, d)
	}
	if sep8.Total() != 1 || got.Streak != 1 || !got.StreakPending {
		t.Errorf("Sep 8: %d reviews, streak %d (pending %v); want 1, 1, pending", sep8.Total(), got.Streak, got.StreakPending)
	}
}

func TestStatsWithoutData(t *testing.T) {
	got := prep.ComputeStats(prep.StatsInput{Now: time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC), Library: statsLibrary(t)})
	if got.Retention7.N != 0 || got.Retention30.N != 0 || got.SQLPassRate.N != 0 {
		t.Errorf("rates without reviews: %+v %+v %+v", got.Retention7, got.Retention30, got.SQLPassRate)
	}
	if got.Streak != 0 || got.StreakPending || got.ReviewsToday != 0 || got.ReviewsWeek != 0 {
		t.Errorf("activity without reviews: %+v", got)
	}
	if want := (prep.StateCounts{New: 6}); got.Cards != want {
		t.Errorf("Cards = %+v, want %+v", got.Cards, want)
	}
	if len(got.Daily) != prep.HistoryDays || len(got.Due) != prep.ForecastDays {
		t.Errorf("series lengths %d, %d", len(got.Daily), len(got.Due))
	}
	if got.Today != time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC) {
		t.Errorf("Today without a location = %v, want UTC midnight", got.Today)
	}
}

func TestRate(t *testing.T) {
	cases := []struct {
		rate  prep.Rate
		share float64
		ok    bool
		text  string
	}{
		{prep.Rate{}, 0, false, "no data"},
		{prep.Rate{Hits: 0, N: 4}, 0, true, "0% (n=4)"},
		{prep.Rate{Hits: 4, N: 5}, 0.8, true, "80% (n=5)"},
		{prep.Rate{Hits: 3, N: 3}, 1, true, "100% (n=3)"},
	}
	for _, tc := range cases {
		share, ok := tc.rate.Share()
		if share != tc.share || ok != tc.ok || tc.rate.String() != tc.text {
			t.Errorf("%+v: Share() = %v, %v; String() = %q; want %v, %v, %q", tc.rate, share, ok, tc.rate.String(), tc.share, tc.ok, tc.text)
		}
	}
}
