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
	// Suspended counts the studied cards set aside, which the predictions
	// leave out (they are not asked).
	Suspended int
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
	// ReviewsPerDay is how many reviews a day, on average and rounded up,
	// the plan has until the interview: the reviews prepbot schedules (see
	// PlanRecall); BusiestDay is the most on one day. Zero, like
	// PlannedRecall's NaN, when Forecast was asked for no target.
	ReviewsPerDay, BusiestDay int
	// Reachable reports that the plan reaches Target.
	Reachable bool
	// LimitNeeded, when the plan falls short only because of the daily
	// review limit (StatsInput.ReviewLimit), is the limit that would let
	// it reach Target: its busiest day without a limit. Zero otherwise.
	LimitNeeded int
	// PlannedRecall is the predicted recall at the interview if the user
	// does the reviews as they come due (PlanRecall); NaN when nothing has
	// been studied.
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

// Forecast predicts recall at the interview as things stand, and with the
// reviews prepbot schedules until then (PlanRecall), against target (a
// probability such as 0.95); a target of 0 skips the plan.
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
	studied, unknown, suspended := studiedItems(in, items)

	rd := Readiness{Interview: interview, Target: target, Studied: len(studied), Suspended: suspended, Recall: math.NaN(), PlannedRecall: math.NaN()}
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

	if target <= 0 {
		return rd // the recall alone (the daily push): no plan
	}
	p := plan(sched, studied, days, interview, in.Retention, in.ReviewLimit)
	rd.PlannedRecall, rd.ReviewsPerDay, rd.BusiestDay = p.recall, p.perDay, p.busiest
	rd.Reachable = p.recall >= target
	if !rd.Reachable && in.ReviewLimit != nil && p.limited {
		// Would the plan reach the target without the limit? Then the
		// limit is what to change, and by how much.
		if free := plan(sched, studied, days, interview, in.Retention, nil); free.recall >= target {
			rd.LimitNeeded = free.busiest
		}
	}
	return rd
}

// PlanRecall predicts the mean recall of the studied cards at the interview
// if the user does the reviews prepbot schedules until then, and says how
// many that is: on average a day (rounded up) and on the busiest day.
//
// The plan runs one review session a day at the current local time of day,
// today first, on every day whose session comes before the interview (the
// last MaxSimulatedDays of them). Each session reviews the studied cards
// due by then, as the queue serves them (by due time; in the last week the
// weakest on the day first), within the ReviewLimit (today: what is left of
// it),
// each rated Good and rescheduled with FSRS at the session's time and the
// user's retention, then aimed at the interview as interview-date mode
// does (rule 1). New cards are left out, as in Readiness.Recall: learning
// them comes on top. NaN recall when nothing has been studied.
func PlanRecall(in StatsInput, interview time.Time) (recall float64, perDay, busiest int) {
	studied, _, _ := studiedItems(in, indexItems(in.Library))
	if len(studied) == 0 {
		return math.NaN(), 0, 0
	}
	p := plan(simScheduler(in.Retention), studied, reviewInstants(in.Now, interview, in.Location), interview, in.Retention, in.ReviewLimit)
	return p.recall, p.perDay, p.busiest
}

// planned is the outcome of plan.
type planned struct {
	recall          float64
	perDay, busiest int
	limited         bool // some session had more due than the limit allowed
}

// plan runs the review sessions of PlanRecall on a copy of the studied
// cards.
func plan(sched *fsrs.FSRS, studied []studyItem, sessions []time.Time, interview time.Time, retention float64, limit *ReviewLimit) planned {
	cards := make([]fsrs.Card, len(studied))
	for i, it := range studied {
		cards[i] = it.card
	}
	total, busiest, limited := 0, 0, false
	var due []int
	recall := make([]float64, len(cards))
	for k, at := range sessions {
		// The last session takes what falls due before the interview too
		// (a learning step due in minutes), each at its due time: the
		// user studies once more before it.
		horizon := at
		if k == len(sessions)-1 {
			horizon = interview.Add(-lastStudyLead)
		}
		due = due[:0]
		for i, c := range cards {
			if !c.Due.After(horizon) {
				due = append(due, i)
				recall[i] = recallAt(sched, c, interview)
			}
		}
		// studied is sorted by ID, so stable sorts break ties by ID.
		if interview.Sub(at) <= weakestFirstDays {
			sort.SliceStable(due, func(a, b int) bool { return recall[due[a]] < recall[due[b]] })
		} else {
			sort.SliceStable(due, func(a, b int) bool { return cards[due[a]].Due.Before(cards[due[b]].Due) })
		}
		if limit != nil {
			allowed := limit.PerDay
			if k == 0 {
				allowed = max(0, limit.PerDay-limit.DoneToday) // today's session
			}
			if len(due) > allowed {
				due, limited = due[:allowed], true
			}
		}
		for _, i := range due {
			t := reviewTime(at, cards[i])
			if cards[i].Due.After(t) {
				t = cards[i].Due // a card due later in the last session
			}
			info, err := sched.Next(cards[i], t, Good)
			if err != nil {
				continue // a state FSRS rejects keeps its prediction
			}
			cards[i] = aimAt(info.Card, t, interview, retention)
		}
		total += len(due)
		busiest = max(busiest, len(due))
	}
	sum := 0.0
	for _, c := range cards {
		sum += recallAt(sched, c, interview)
	}
	p := planned{recall: sum / float64(len(cards)), busiest: busiest, limited: limited}
	if len(sessions) > 0 {
		p.perDay = (total + len(sessions) - 1) / len(sessions)
	}
	return p
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
func studiedItems(in StatsInput, items libraryItems) (studied []studyItem, unknown map[string]int, suspended int) {
	known := make(map[string]bool, len(in.States))
	for _, s := range in.States {
		topic, ok := items.topicOf[s.CardID]
		if !ok || known[s.CardID] || !predictable(s.FSRS) {
			continue
		}
		known[s.CardID] = true
		if s.Suspended {
			suspended++
			continue // set aside: not asked, so not part of the day's recall
		}
		studied = append(studied, studyItem{id: s.CardID, topic: topic, card: s.FSRS})
	}
	sort.Slice(studied, func(i, j int) bool { return studied[i].id < studied[j].id })
	unknown = make(map[string]int)
	for id, topic := range items.topicOf {
		if !known[id] {
			unknown[topic]++
		}
	}
	return studied, unknown, suspended
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
