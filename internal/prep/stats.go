package prep

import (
	"fmt"
	"strings"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"
)

// Windows and thresholds of the statistics.
const (
	// MasteredStability is the stability, in days, from which a card in the
	// Review state counts as mastered: the user would still recall it with
	// 90% probability three weeks after the last review (Anki calls such
	// cards "mature").
	MasteredStability = 21.0
	// HistoryDays is how many local days, today included, the per-day review
	// series covers, and the window of the 30-day true retention.
	HistoryDays = 30
	// WeekDays is the window of "this week": today and the six local days
	// before it, and the first days of the due forecast.
	WeekDays = 7
	// ForecastDays is how many local days, today included, the due forecast
	// covers.
	ForecastDays = 14
)

// ReviewLimit is a daily review limit and how much of today's is used.
type ReviewLimit struct {
	PerDay    int // reviews a local day (0: none at all)
	DoneToday int // reviews counted against it so far today
}

// StatsInput is everything the statistics and the readiness forecast are
// computed from. The engine gathers it from the store; the computation
// itself is pure.
type StatsInput struct {
	Now time.Time
	// Location is the user's time zone: days, streaks and "today" are local
	// days there. Nil means UTC.
	Location *time.Location
	// Retention is the user's desired retention, which true retention is
	// compared against and which the forecast schedules with.
	Retention float64
	// Library gives the topic of every card and exercise. Card states whose
	// ID is not in it (cards removed from the decks) are left out of every
	// figure about cards; their reviews still count in the review history.
	Library *Library
	// ReviewLimit is the user's daily review limit, which the readiness
	// plan keeps; nil means none.
	ReviewLimit *ReviewLimit
	// States are the user's card states, including exercises'.
	States []CardState
	// Reviews is the user's whole review log, oldest first.
	Reviews []Review
}

// Stats is a user's progress, as /stats shows it.
type Stats struct {
	// Today is the start of the user's local day containing Now.
	Today time.Time
	// ReviewsToday counts the reviews of the local day so far.
	ReviewsToday int
	// ReviewsWeek counts the reviews of today and the six local days before.
	ReviewsWeek int
	// Streak is the number of consecutive local days with at least one
	// review, ending today, or ending yesterday when there is no review
	// today yet: the streak is not lost until the day without a review has
	// ended.
	Streak int
	// StreakPending reports that the streak ends yesterday: one review
	// before local midnight keeps it going.
	StreakPending bool
	// DesiredRetention is the user's retention setting, for comparison.
	DesiredRetention float64
	// Retention7 and Retention30 are the true retention over the last 7 and
	// 30 local days: of the reviews of cards that were in the Review state
	// (learning steps and first sightings say nothing about memory over
	// time), the share not rated Again.
	Retention7, Retention30 Rate
	// Cards counts the library's cards and exercises by memory state.
	Cards StateCounts
	// Topics is the progress of each topic, in deck order.
	Topics []TopicProgress
	// SQLPassRate is, over the whole log, the share of SQL exercise reviews
	// (IDs starting "sql-") not rated Again.
	SQLPassRate Rate
	// Daily counts the reviews of each of the last HistoryDays local days by
	// rating, oldest first; the last entry is today.
	Daily []DayRatings
	// Due counts, for each of the next ForecastDays local days, the studied
	// cards falling due that day. Due[0] is today and includes every
	// overdue card; Due[:WeekDays] is the week ahead.
	Due []DayCount
}

// Rate is a share of successes among N trials. N == 0 means there is no data,
// which is neither 0% nor 100%.
type Rate struct {
	Hits int
	N    int
}

// Share returns Hits/N, and false when there is no data.
func (r Rate) Share() (float64, bool) {
	if r.N == 0 {
		return 0, false
	}
	return float64(r.Hits) / float64(r.N), true
}

// String renders the rate for people: "80% (n=5)", or "no data".
func (r Rate) String() string {
	s, ok := r.Share()
	if !ok {
		return "no data"
	}
	return fmt.Sprintf("%.0f%% (n=%d)", 100*s, r.N)
}

// StateCounts counts cards and exercises by memory state. New, Learning and
// Review add up to the library's size; Mastered is the subset of Review
// whose stability is at least MasteredStability, so it is not added again.
type StateCounts struct {
	New      int // in the library, never reviewed
	Learning int // in the Learning or Relearning steps
	Review   int // graduated to the Review state, mastered ones included
	Mastered int // of Review, those with stability ≥ MasteredStability
	// Suspended counts the cards set aside, whatever their state; they are
	// in the counts above too, but never due (as /due and the queue have
	// it).
	Suspended int
}

// TopicProgress is the progress of one topic.
type TopicProgress struct {
	Topic    string
	Total    int // cards and exercises of the topic in the library
	Seen     int // of those, reviewed at least once
	Mastered int // of those, mastered (see StateCounts)
	Due      int // of those, due now
}

// DayRatings counts one local day's reviews by rating: Count[0] is Again,
// then Hard, Good and Easy.
type DayRatings struct {
	Day   time.Time // start of the local day
	Count [4]int
}

// Total is the day's number of reviews.
func (d DayRatings) Total() int { return d.Count[0] + d.Count[1] + d.Count[2] + d.Count[3] }

// DayCount is a number attached to one local day.
type DayCount struct {
	Day   time.Time // start of the local day
	Count int
}

// ComputeStats computes a user's statistics. Every day-based figure uses the
// user's local calendar days, so a review at 23:59 and one at 00:01 fall on
// different days, and a 23- or 25-hour DST day is still one day.
func ComputeStats(in StatsInput) Stats {
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	today := civilDay(in.Now, loc)
	st := Stats{Today: localMidnight(in.Now, 0, loc), DesiredRetention: in.Retention}

	// The review log: counts, streak, retention, the daily series.
	st.Daily = make([]DayRatings, HistoryDays)
	for i := range st.Daily {
		st.Daily[i].Day = localMidnight(in.Now, i-(HistoryDays-1), loc)
	}
	reviewed := make(map[int64]bool)
	sqlPrefix := string(SQLExercise) + "-"
	for _, r := range in.Reviews {
		day := civilDay(r.Time, loc)
		if day > today {
			continue // after today: a clock that went backwards; not history yet
		}
		reviewed[day] = true
		ago := today - day
		recalled := r.Rating != Again
		if ago == 0 {
			st.ReviewsToday++
		}
		if ago < WeekDays {
			st.ReviewsWeek++
		}
		if r.Before.FSRS.State == fsrs.Review {
			if ago < WeekDays {
				st.Retention7.add(recalled)
			}
			if ago < HistoryDays {
				st.Retention30.add(recalled)
			}
		}
		if ago < HistoryDays && r.Rating >= Again && r.Rating <= Easy {
			st.Daily[HistoryDays-1-ago].Count[r.Rating-Again]++
		}
		if strings.HasPrefix(r.CardID, sqlPrefix) {
			st.SQLPassRate.add(recalled)
		}
	}
	last := today
	if !reviewed[today] {
		last = today - 1
	}
	for reviewed[last-int64(st.Streak)] {
		st.Streak++
	}
	st.StreakPending = st.Streak > 0 && !reviewed[today]

	// The card states: counts by state, per topic, the due forecast.
	items := indexItems(in.Library)
	progress := make([]TopicProgress, len(items.topics))
	for i, t := range items.topics {
		progress[i] = TopicProgress{Topic: t, Total: items.size[t]}
	}
	st.Due = make([]DayCount, ForecastDays)
	for i := range st.Due {
		st.Due[i].Day = localMidnight(in.Now, i, loc)
	}
	seen := make(map[string]bool, len(in.States))
	for _, s := range in.States {
		topic, ok := items.topicOf[s.CardID]
		learning := s.FSRS.State == fsrs.Learning || s.FSRS.State == fsrs.Relearning
		if !ok || seen[s.CardID] || !learning && s.FSRS.State != fsrs.Review {
			continue // removed from the decks, a duplicate, or never reviewed
		}
		seen[s.CardID] = true
		tp := &progress[items.topicIndex[topic]]
		tp.Seen++
		if learning {
			st.Cards.Learning++
		} else {
			st.Cards.Review++
			if s.FSRS.Stability >= MasteredStability {
				st.Cards.Mastered++
				tp.Mastered++
			}
		}
		if s.Suspended {
			st.Cards.Suspended++
			continue // not asked, so never due
		}
		if !s.FSRS.Due.After(in.Now) {
			tp.Due++
		}
		if ahead := max(0, civilDay(s.FSRS.Due, loc)-today); ahead < ForecastDays {
			st.Due[ahead].Count++
		}
	}
	st.Cards.New = len(items.topicOf) - len(seen)
	st.Topics = progress
	return st
}

func (r *Rate) add(hit bool) {
	r.N++
	if hit {
		r.Hits++
	}
}

// libraryItems indexes the cards and exercises a user studies: both share
// the card-state namespace, so both count as "cards" in the statistics.
type libraryItems struct {
	topicOf    map[string]string // item ID → topic
	topics     []string          // card topics in deck order, then exercise topics
	topicIndex map[string]int
	size       map[string]int // topic → number of items
}

func indexItems(lib *Library) libraryItems {
	li := libraryItems{topicOf: map[string]string{}, topicIndex: map[string]int{}, size: map[string]int{}}
	if lib == nil {
		return li
	}
	add := func(id, topic string) {
		if _, dup := li.topicOf[id]; dup {
			return
		}
		li.topicOf[id] = topic
		li.size[topic]++
		if _, ok := li.topicIndex[topic]; !ok {
			li.topicIndex[topic] = len(li.topics)
			li.topics = append(li.topics, topic)
		}
	}
	for _, c := range lib.Cards {
		add(c.ID, c.Topic)
	}
	for _, e := range lib.Exercises {
		add(e.ID, e.Topic)
	}
	return li
}

// civilDay numbers the local calendar day of t, so that days can be counted
// by subtraction whatever their length in hours.
func civilDay(t time.Time, loc *time.Location) int64 {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / (24 * 60 * 60)
}

// localMidnight returns the first instant of the local day offset days from
// t's. Where a DST change skips midnight itself (America/Santiago,
// America/Havana), time.Date answers with the previous evening; the day then
// begins at the change.
func localMidnight(t time.Time, offset int, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	start := time.Date(y, m, d+offset, 0, 0, 0, 0, loc)
	want := time.Date(y, m, d+offset, 0, 0, 0, 0, time.UTC)
	if sy, sm, sd := start.Date(); time.Date(sy, sm, sd, 0, 0, 0, 0, time.UTC).Before(want) {
		_, start = start.ZoneBounds()
	}
	return start
}
