package prep

import (
	"math"
	"sort"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"
)

// Limits of the readiness forecast.
const (
	// WeakestTopics is how many weakest topics Readiness names.
	WeakestTopics = 3
	// MaxSimulatedDays bounds the cost of the reviews-per-day simulation:
	// only the last MaxSimulatedDays days before the interview get simulated
	// reviews. Recall on the day depends mostly on the last weeks' reviews,
	// so for an interview further off the estimate is the pace needed in
	// its final run-up.
	MaxSimulatedDays = 90
)

// Readiness is the interview-readiness forecast: how much of what the user
// has studied they are predicted to recall at the interview, and the daily
// review pace that would bring it to a target.
type Readiness struct {
	Interview time.Time
	Target    float64
	// Studied counts the library's cards and exercises with a memory state:
	// the predictions cover these.
	Studied int
	// Unknown counts the library's cards and exercises never studied. FSRS
	// knows nothing of them, so they are reported apart rather than counted
	// as forgotten (0) or known (1).
	Unknown int
	// Recall is the mean predicted recall of the studied cards at the
	// interview instant if the user stopped reviewing now; NaN when nothing
	// has been studied.
	Recall float64
	// Topics is every topic in deck order, with its predicted recall.
	Topics []TopicRecall
	// Weakest names up to WeakestTopics studied topics with the lowest
	// predicted recall, lowest first, ties broken by name. Topics with no
	// studied card are not ranked: their recall is unknown, not low.
	Weakest []TopicRecall
	// ReviewsPerDay is the smallest number of reviews a day, from today until
	// the interview, that brings the simulated recall to Target (see
	// SimulateRecall). When even reviewing every studied card every day does
	// not, it is Studied and Reachable is false.
	ReviewsPerDay int
	// Reachable reports that ReviewsPerDay reaches Target in the simulation.
	Reachable bool
	// PlannedRecall is the simulated recall at the interview when the user
	// does ReviewsPerDay reviews a day; NaN when nothing has been studied.
	PlannedRecall float64
	// Days is the number of review days the simulation had: local days from
	// today whose review time (the current local time of day) comes before
	// the interview, at most MaxSimulatedDays.
	Days int
}

// TopicRecall is the predicted recall of one topic at the interview.
type TopicRecall struct {
	Topic   string
	Studied int     // cards and exercises of the topic with a memory state
	Unknown int     // never studied
	Recall  float64 // mean predicted recall of the studied ones; NaN when none
}

// Forecast predicts recall at the interview and the review pace needed to
// reach target (a probability such as 0.9).
//
// The predicted recall of a card is FSRS's retrievability at the interview
// instant, from the library's forgetting curve with the elapsed time in
// fractional days. The library's own Retrievability floors elapsed time to
// whole days, which would call a card reviewed 23 hours before the
// interview certain and one reviewed 25 hours before not; the fraction keeps
// the curve smooth.
func Forecast(in StatsInput, interview time.Time, target float64) Readiness {
	sched := simScheduler(in.Retention)
	items := indexItems(in.Library)
	studied, unknown := studiedItems(in, items)

	rd := Readiness{Interview: interview, Target: target, Studied: len(studied), Recall: math.NaN(), PlannedRecall: math.NaN()}
	sums := make([]float64, len(items.topics))
	rd.Topics = make([]TopicRecall, len(items.topics))
	for i, t := range items.topics {
		rd.Topics[i] = TopicRecall{Topic: t, Unknown: unknown[t], Recall: math.NaN()}
		rd.Unknown += unknown[t]
	}
	total := 0.0
	for _, it := range studied {
		r := recallAt(sched, it.card, interview)
		total += r
		i := items.topicIndex[it.topic]
		sums[i] += r
		rd.Topics[i].Studied++
	}
	var ranked []TopicRecall
	for i := range rd.Topics {
		if n := rd.Topics[i].Studied; n > 0 {
			rd.Topics[i].Recall = sums[i] / float64(n)
			ranked = append(ranked, rd.Topics[i])
		}
	}
	sort.SliceStable(ranked, func(i, j int) bool {
		if ranked[i].Recall != ranked[j].Recall {
			return ranked[i].Recall < ranked[j].Recall
		}
		return ranked[i].Topic < ranked[j].Topic
	})
	rd.Weakest = ranked[:min(WeakestTopics, len(ranked))]

	days := reviewInstants(in.Now, interview, in.Location)
	rd.Days = len(days)
	if len(studied) == 0 {
		return rd
	}
	rd.Recall = total / float64(len(studied))

	// Binary search for the smallest pace whose simulated recall reaches the
	// target. Recall grows with the pace: a Good review never lowers a
	// card's stability and restarts its forgetting curve later, so more
	// reviews a day never leave a card with less to recall.
	simulated := func(perDay int) float64 { return simulate(sched, studied, days, interview, perDay) }
	if rd.Recall >= target {
		rd.Reachable, rd.PlannedRecall = true, rd.Recall
		return rd
	}
	hi := len(studied)
	rd.ReviewsPerDay, rd.PlannedRecall = hi, simulated(hi)
	if rd.PlannedRecall < target {
		return rd
	}
	rd.Reachable = true
	lo := 0 // simulated(lo) < target ≤ simulated(hi)
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if r := simulated(mid); r >= target {
			hi, rd.ReviewsPerDay, rd.PlannedRecall = mid, mid, r
		} else {
			lo = mid
		}
	}
	return rd
}

// SimulateRecall predicts the mean recall of the studied cards at the
// interview if the user does perDay reviews a day until then.
//
// The simulation runs one review session a day at the current local time of
// day, today first, on every day whose session comes before the interview
// (the last MaxSimulatedDays of them). Each session reviews the perDay
// studied cards with the lowest predicted recall at the interview (ties by
// ID), each rated Good and rescheduled with FSRS at the session's time, with
// the user's retention. New cards are left out, as in Readiness.Recall:
// learning them comes on top of this pace. NaN when nothing has been
// studied.
func SimulateRecall(in StatsInput, interview time.Time, perDay int) float64 {
	studied, _ := studiedItems(in, indexItems(in.Library))
	if len(studied) == 0 {
		return math.NaN()
	}
	return simulate(simScheduler(in.Retention), studied, reviewInstants(in.Now, interview, in.Location), interview, perDay)
}

// simScheduler is the engine's scheduler without interval fuzz: fuzz moves
// only due dates, never stability or difficulty, which are all the
// simulation reads, and it is half the cost of a simulated review.
func simScheduler(retention float64) *fsrs.FSRS {
	s := newScheduler(retention)
	s.EnableFuzz = false
	return s
}

// studyItem is a studied card or exercise with its memory state.
type studyItem struct {
	id, topic string
	card      fsrs.Card
}

// studiedItems returns the library's cards and exercises that have a usable
// memory state, ordered by ID, and counts the others by topic. A state FSRS
// would reject (no last review, a stability or difficulty out of range)
// leaves its card unknown, like a new one.
func studiedItems(in StatsInput, items libraryItems) ([]studyItem, map[string]int) {
	var studied []studyItem
	known := make(map[string]bool, len(in.States))
	for _, s := range in.States {
		topic, ok := items.topicOf[s.CardID]
		if !ok || known[s.CardID] || !predictable(s.FSRS) {
			continue
		}
		known[s.CardID] = true
		if s.Suspended {
			continue // set aside: not asked, so not part of the day's recall
		}
		studied = append(studied, studyItem{id: s.CardID, topic: topic, card: s.FSRS})
	}
	sort.Slice(studied, func(i, j int) bool { return studied[i].id < studied[j].id })
	unknown := make(map[string]int)
	for id, topic := range items.topicOf {
		if !known[id] {
			unknown[topic]++
		}
	}
	return studied, unknown
}

func predictable(c fsrs.Card) bool {
	switch c.State {
	case fsrs.Learning, fsrs.Review, fsrs.Relearning:
	default:
		return false
	}
	finite := func(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
	return !c.LastReview.IsZero() && finite(c.Stability) && c.Stability > 0 && finite(c.Difficulty) && c.Difficulty >= 1
}

// recallAt is the card's predicted recall at an instant: the library's
// forgetting curve at the fractional days since its last review.
func recallAt(sched *fsrs.FSRS, c fsrs.Card, at time.Time) float64 {
	elapsed := max(0, at.Sub(c.LastReview).Hours()/24)
	return sched.ForgettingCurve(elapsed, c.Stability)
}

// reviewInstants lists the simulated review sessions: now, then the same
// local time of day on each following day, while before the interview; only
// the last MaxSimulatedDays are kept.
func reviewInstants(now, interview time.Time, loc *time.Location) []time.Time {
	if loc == nil {
		loc = time.UTC
	}
	l := now.In(loc)
	first := 0
	if span := int(interview.Sub(now).Hours() / 24); span > MaxSimulatedDays+2 {
		first = span - MaxSimulatedDays - 2 // skip days that would be dropped below
	}
	var out []time.Time
	for k := first; ; k++ {
		t := now
		if k > 0 {
			t = time.Date(l.Year(), l.Month(), l.Day()+k, l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), loc)
		}
		if !t.Before(interview) {
			break
		}
		out = append(out, t)
	}
	if len(out) > MaxSimulatedDays {
		out = out[len(out)-MaxSimulatedDays:]
	}
	return out
}

// simulate runs the review sessions on a copy of the studied cards and
// returns their mean predicted recall at the interview.
func simulate(sched *fsrs.FSRS, studied []studyItem, sessions []time.Time, interview time.Time, perDay int) float64 {
	cards := make([]fsrs.Card, len(studied))
	for i, it := range studied {
		cards[i] = it.card
	}
	perDay = min(max(perDay, 0), len(cards))
	order := make([]int, len(cards))
	recall := make([]float64, len(cards))
	for _, at := range sessions {
		if perDay == 0 {
			break
		}
		for i, c := range cards {
			order[i] = i
			recall[i] = recallAt(sched, c, interview)
		}
		// studied is sorted by ID, so a stable sort breaks ties by ID.
		sort.SliceStable(order, func(a, b int) bool { return recall[order[a]] < recall[order[b]] })
		for _, i := range order[:perDay] {
			info, err := sched.Next(cards[i], reviewTime(at, cards[i]), Good)
			if err != nil {
				continue // a state FSRS rejects keeps its prediction
			}
			cards[i] = info.Card
		}
	}
	total := 0.0
	for _, c := range cards {
		total += recallAt(sched, c, interview)
	}
	return total / float64(len(cards))
}
