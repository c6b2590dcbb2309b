package prep

import (
	"math"
	"sort"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"
)

// Interview-date mode. While an interview date lies ahead, scheduling aims
// at recall on that day as well as at the long run:
//
//  1. Bringing reviews forward. When a rating would schedule a card's next
//     review after the start of the day before the interview (or, when the
//     date is set or moved, a card is already so scheduled), and FSRS
//     predicts its recall at the interview's start below the interview
//     target, the review is moved to the start of the day before the
//     interview (local midnight in the interview's time zone), so it is due
//     all of that day, whenever the user studies, and refreshed in the last
//     days. A review that FSRS already puts before that is left alone (it
//     will be judged again then), and a card last reviewed on the day
//     before itself is not moved: that review was the refresher. Stability
//     and difficulty are FSRS's own; only the due time changes, and the
//     rating buttons show the moved interval.
//  2. Introducing new cards in time. The daily new-card limit is raised, if
//     needed, so that every card not yet seen is introduced at least three
//     days before the interview: limit = max(setting, ceil(unseen / (days
//     left - 3))); within those last three days the setting stands.
//  3. Favouring the weakest. In the last seven days, due cards are asked in
//     order of lowest predicted recall at the interview first, rather than
//     by due time.
//
// The interview target is half-way from the desired retention to certainty
// (0.95 for the default 0.9): FSRS schedules a review when recall falls to
// the desired retention, so any card due after the interview is already
// above it there; the day itself deserves better.
//
// After the interview's start none of this applies: scheduling is plain
// FSRS again.
const (
	interviewBuffer  = 24 * time.Hour     // reviews moved to this long before the interview
	newCardsLeadDays = 3                  // new cards introduced this many days before
	weakestFirstDays = 7 * 24 * time.Hour // due cards ordered by predicted recall from here on
	lastStudyLead    = time.Hour          // the plan's last session takes what falls due until this long before the interview
)

// InterviewTarget is the predicted recall interview-date mode aims at on
// the interview's start for a desired retention.
func InterviewTarget(retention float64) float64 { return retention + (1-retention)/2 }

// upcomingInterview is the interview's start when it lies ahead of now.
func (c *conv) upcomingInterview() (time.Time, bool) {
	at := c.interviewAt()
	if at.IsZero() || !at.After(c.now) {
		return time.Time{}, false
	}
	return at, true
}

// predictedRecall is FSRS's predicted recall of a card at t (forecast.go's
// recallAt), 0 for a card never studied.
func predictedRecall(sched *fsrs.FSRS, card fsrs.Card, t time.Time) float64 {
	if !predictable(card) {
		return 0
	}
	return recallAt(sched, card, t)
}

// forInterview applies rule 1 to a card just scheduled at `at`.
func (c *conv) forInterview(card fsrs.Card, at time.Time) fsrs.Card {
	interview, ok := c.upcomingInterview()
	if !ok {
		return card
	}
	return aimAt(card, at, interview, c.u.Settings.Retention)
}

// aimAt is rule 1 for a card scheduled at `at` with an interview ahead: the
// engine's and the readiness plan's.
func aimAt(card fsrs.Card, at, interview time.Time, retention float64) fsrs.Card {
	target := dayStart(interview.AddDate(0, 0, -1), interview.Location())
	// From the start of the day before on, not only after the interview:
	// Good due on the interview's morning and Easy due after it, moved,
	// would otherwise put Easy before Good.
	if !card.Due.After(target) {
		return card
	}
	if !target.After(at) {
		// Reviewed on the day before already (or later): that review is
		// the refresher.
		return card
	}
	sched := newScheduler(retention)
	if predictedRecall(sched, card, interview) >= InterviewTarget(retention) {
		return card
	}
	card.Due = target
	card.ScheduledDays = uint64(math.Max(0, math.Floor(target.Sub(at).Hours()/24)))
	return card
}

// aimAtInterview applies rule 1 to the reviews already scheduled when the
// interview date is set, moved or cleared: without it, a card studied
// before would keep a review after the interview, which the forecast
// counts on and the queue never offers. A due moved to a day that has
// begun is due now. previous is the interview before the change (zero for
// none): reviews rule 1 had moved to the start of its day before go back
// to FSRS's own interval first (without fuzz), so that a date moved later
// or cleared does not leave them early.
func (c *conv) aimAtInterview(previous time.Time) error {
	var oldTarget time.Time
	if !previous.IsZero() {
		oldTarget = dayStart(previous.AddDate(0, 0, -1), previous.Location())
	}
	var moved []CardState
	for st, err := range c.tx.CardStates(c.u.Key) {
		if err != nil {
			return err
		}
		if st.FSRS.State != fsrs.Review || st.FSRS.LastReview.IsZero() {
			continue
		}
		card := st.FSRS
		if !oldTarget.IsZero() && card.Due.Equal(oldTarget) {
			card = plainDue(card, c.u.Settings.Retention)
		}
		if !st.Suspended {
			card = c.forInterview(card, card.LastReview)
		}
		if !card.Due.Equal(st.FSRS.Due) {
			st.FSRS = card
			moved = append(moved, st)
		}
	}
	// Written after the scan: a put moves the card in the index the scan
	// reads.
	for _, st := range moved {
		if err := c.tx.PutCardState(c.u.Key, st); err != nil {
			return err
		}
	}
	return nil
}

// plainDue gives a review card back the due FSRS schedules for its
// stability at the desired retention: the last review plus the interval at
// which the forgetting curve falls to the retention, in whole days (at
// least one, at most the library's maximum), without fuzz.
func plainDue(card fsrs.Card, retention float64) fsrs.Card {
	sched := newScheduler(retention)
	lo, hi := 0.0, sched.MaximumInterval
	for range 60 {
		mid := (lo + hi) / 2
		if sched.ForgettingCurve(mid, card.Stability) > retention {
			lo = mid
		} else {
			hi = mid
		}
	}
	days := math.Min(math.Max(math.Round(hi), 1), sched.MaximumInterval)
	card.ScheduledDays = uint64(days)
	card.Due = card.LastReview.Add(time.Duration(days * 24 * float64(time.Hour)))
	return card
}

// newLimit applies rule 2 to the daily new-card limit. It is one limit for
// the whole day, whatever topic the user studies: unseen counts every card
// of the decks the user had not seen at the start of their local day (those
// unseen now plus those introduced today), and the days left are counted
// from that start too. Counting from the current topic, or from what is
// unseen now, would let the limit shrink as the day's new cards are rated
// and leave cards unseen on the interview day, which rule 2 exists to avoid.
func (c *conv) newLimit(unseen int) int {
	limit := c.u.Settings.NewPerDay
	interview, ok := c.upcomingInterview()
	if !ok || unseen == 0 {
		return limit
	}
	days := int(interview.Sub(dayStart(c.now, c.loc())).Hours()/24) - newCardsLeadDays
	if days < 1 {
		// Inside the last days a raised limit would pour every unseen
		// card in at once (all 120 of them ten minutes before the
		// interview): the user's own limit stands.
		return limit
	}
	need := (unseen + days - 1) / days
	return max(limit, need)
}

// orderForInterview applies rule 3 to the due cards of a queue.
func (c *conv) orderForInterview(due []CardState) {
	interview, ok := c.upcomingInterview()
	if !ok || interview.Sub(c.now) > weakestFirstDays {
		return
	}
	sched := newScheduler(c.u.Settings.Retention)
	sort.SliceStable(due, func(i, j int) bool {
		return predictedRecall(sched, due[i].FSRS, interview) < predictedRecall(sched, due[j].FSRS, interview)
	})
}
