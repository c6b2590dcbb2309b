package prep

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"
)

// learnAhead is how far ahead a learning card may be shown when nothing else
// is due, as Anki's "learn ahead limit" does, so a 1m or 10m step is not left
// waiting while the user is studying.
const learnAhead = 20 * time.Minute

// dayStart is the start of the user's local day containing t; daily limits
// count from it. It is the statistics' localMidnight, so that a day means
// the same everywhere, including where DST skips midnight itself.
func dayStart(t time.Time, loc *time.Location) time.Time { return localMidnight(t, 0, loc) }

// todayCounts returns how many new cards were introduced and how many
// reviews of seen cards were done since the start of the user's local day.
// It answers from the user's cached DailyTally when that is for today, and
// otherwise recounts the day's reviews from the log and caches the result.
func (c *conv) todayCounts() (newCards, reviews int, err error) {
	start := dayStart(c.now, c.loc())
	if t := c.u.Today; t.Start.Equal(start) {
		return t.New, t.Reviews, nil
	}
	tally := DailyTally{Start: start}
	for r, err := range c.tx.Reviews(c.u.Key, start) {
		if err != nil {
			return 0, 0, err
		}
		if n := c.tallied(&tally, r); n != nil {
			*n++
		}
	}
	c.u.Today = tally
	return tally.New, tally.Reviews, nil
}

// tallied returns the count of t that the review counts in: New for a
// card's first review, Reviews for a review card's (the cards the review
// limit holds back); nil for a learning or relearning step, as in Anki,
// whose steps the limit does not hold back either (counting them used the
// limit up while due reviews waited), and for an exercise or a card no
// longer in the decks, which have no daily limit.
func (c *conv) tallied(t *DailyTally, r Review) *int {
	if _, ok := c.e.lib.Card(r.CardID); !ok {
		return nil
	}
	switch r.Before.FSRS.State {
	case fsrs.New:
		return &t.New
	case fsrs.Review:
		return &t.Reviews
	}
	return nil
}

// countToday keeps the cached DailyTally in step with a review about to be
// added to the log (delta +1) or removed from it (delta -1). It must run
// before the log changes: a stale cache is first recounted from the log as
// it stands, and only then is the change applied.
func (c *conv) countToday(r Review, delta int) error {
	if _, _, err := c.todayCounts(); err != nil {
		return err
	}
	if r.Time.Before(c.u.Today.Start) {
		return nil
	}
	if n := c.tallied(&c.u.Today, r); n != nil {
		*n = max(0, *n+delta)
	}
	return nil
}

// seen marks the library's cards and exercises the user has a state for,
// by their position in the library. One pass over the stored IDs costs less
// than looking each card of the decks up.
func (c *conv) seen() (cards, exercises []bool, err error) {
	cards, exercises = make([]bool, len(c.e.lib.Cards)), make([]bool, len(c.e.lib.Exercises))
	for id, err := range c.tx.CardStateIDs(c.u.Key) {
		if err != nil {
			return nil, nil, err
		}
		if i, ok := c.e.lib.byID[id]; ok {
			cards[i] = true
		} else if i, ok := c.e.lib.exByID[id]; ok {
			exercises[i] = true
		}
	}
	return cards, exercises, nil
}

// queue summarises what the user can study now within a topic filter.
type queue struct {
	due      []CardState // due now, in due order, limited by the daily review limit for review-state cards
	newCards []Card      // not yet seen, in deck order, limited by the daily new limit
	dueEx    []CardState // exercises due now
	newEx    []Exercise  // exercises never tried, in order (exercise runs only)
	ahead    *CardState  // a learning card due within learnAhead, when nothing else is
	newLeft  int         // new cards the daily limit still allows
	newLimit int         // today's new-card limit (raised before an interview)
	revLeft  int         // reviews the daily limit still allows
	newTotal int         // unseen cards in the filter, regardless of limits
	dueTotal int         // due cards in the filter, regardless of limits
}

func (q queue) size() int { return len(q.due) + len(q.newCards) + len(q.dueEx) + len(q.newEx) }

// dueNow counts the cards and exercises due now, regardless of the review
// limit: what "N reviews due" says.
func (q queue) dueNow() int { return q.dueTotal + len(q.dueEx) }

// inTopic reports whether a card belongs to the topic filter ("" = all).
func inTopic(card Card, topic string) bool { return topic == "" || card.Topic == topic }

// scope is what a queue, or the search for the next due item, covers. A
// card run (mode "") takes cards of its topic, and due exercises of every
// kind when it has no topic; an exercise run (/sql, /py) takes only
// exercises of its kind, new ones included, and its topic is an exercise
// topic. The zero scope is everything: what /due, the daily quiz and the
// welcome count, whatever run happens to be open.
type scope struct {
	mode  ExerciseKind
	topic string
}

// runScope is the scope of the user's current run. It must be read before
// the run's Session is replaced.
func (c *conv) runScope() scope { return scope{mode: c.u.Session.Mode, topic: c.u.Session.Topic} }

func (sc scope) hasCard(card Card) bool { return sc.mode == "" && inTopic(card, sc.topic) }

func (sc scope) hasExercise(ex Exercise) bool {
	if sc.mode == "" {
		return sc.topic == ""
	}
	return ex.Kind == sc.mode && (sc.topic == "" || ex.Topic == sc.topic)
}

// buildQueue works out what is studyable now within a scope. It reads the
// due index only up to now (plus the learn-ahead window) and the library's
// cards for new ones.
func (c *conv) buildQueue(sc scope) (queue, error) {
	newToday, revToday, err := c.todayCounts()
	if err != nil {
		return queue{}, err
	}
	q := queue{newLeft: max(0, c.u.Settings.NewPerDay-newToday), revLeft: max(0, c.u.Settings.ReviewsPerDay-revToday)}
	revAllowed := q.revLeft
	for st, err := range c.tx.Due(c.u.Key, c.now.Add(learnAhead)) {
		if err != nil {
			return queue{}, err
		}
		if st.Suspended {
			continue
		}
		if ex, ok := c.e.lib.Exercise(st.CardID); ok {
			if c.e.graders[ex.Kind] == nil {
				continue // cannot be graded here (no interpreter): not asked
			}
			if !st.FSRS.Due.After(c.now) && sc.hasExercise(ex) {
				q.dueEx = append(q.dueEx, st)
			}
			continue
		}
		card, ok := c.e.lib.Card(st.CardID)
		if !ok || !sc.hasCard(card) {
			continue // removed from the decks (history kept, no longer asked), or out of scope
		}
		if st.FSRS.Due.After(c.now) {
			if q.ahead == nil && (st.FSRS.State == fsrs.Learning || st.FSRS.State == fsrs.Relearning) {
				s := st
				q.ahead = &s
			}
			continue
		}
		q.dueTotal++
		if st.FSRS.State == fsrs.Review {
			if revAllowed == 0 {
				continue
			}
			revAllowed--
		}
		q.due = append(q.due, st)
	}
	seenCards, seenExercises, err := c.seen()
	if err != nil {
		return queue{}, err
	}
	if sc.mode != "" {
		for i, ex := range c.e.lib.Exercises {
			if !sc.hasExercise(ex) || seenExercises[i] {
				continue
			}
			q.newEx = append(q.newEx, ex)
		}
		return q, nil
	}
	var fresh []Card
	unseen := 0 // in the whole decks: the day's limit is the same for every topic
	for i, card := range c.e.lib.Cards {
		if seenCards[i] {
			continue
		}
		unseen++
		if !sc.hasCard(card) {
			continue
		}
		q.newTotal++
		fresh = append(fresh, card)
	}
	q.newLimit = c.newLimit(unseen + newToday)
	q.newLeft = max(0, q.newLimit-newToday)
	q.newCards = fresh[:min(len(fresh), q.newLeft)]
	c.orderForInterview(q.due)
	return q, nil
}

// nextDue finds the earliest due time after now of a card or exercise in
// the scope, for the "all caught up" message. It scans the user's states,
// which is fine for this rare message.
func (c *conv) nextDue(sc scope) (time.Time, error) {
	var next time.Time
	for st, err := range c.tx.CardStates(c.u.Key) {
		if err != nil {
			return time.Time{}, err
		}
		if st.Suspended || !st.FSRS.Due.After(c.now) || !c.inScope(st.CardID, sc) {
			continue
		}
		if next.IsZero() || st.FSRS.Due.Before(next) {
			next = st.FSRS.Due
		}
	}
	return next, nil
}

// inScope reports whether a card or exercise belongs to a scope; an
// exercise only when it can be graded here, as buildQueue counts them.
func (c *conv) inScope(id string, sc scope) bool {
	if card, ok := c.e.lib.Card(id); ok {
		return sc.hasCard(card)
	}
	if ex, ok := c.e.lib.Exercise(id); ok {
		return c.e.graders[ex.Kind] != nil && sc.hasExercise(ex)
	}
	return false
}

// ask starts a study run, optionally limited to a topic.
func (c *conv) ask(args string) error {
	topic := ""
	if args != "" {
		matches := c.e.lib.MatchTopic(args)
		switch len(matches) {
		case 0:
			if c.pointToExercises(args) {
				return nil
			}
			c.send(Text(fmt.Sprintf("I have no topic %q. Topics: %s.", args, strings.Join(c.e.lib.Topics(), ", "))), c.topicButtons()...)
			return nil
		case 1:
			topic = matches[0]
		default:
			c.send(Text(fmt.Sprintf("%q matches several topics: %s. Which one?", args, strings.Join(matches, ", "))), topicButtonRows(matches)...)
			return nil
		}
	}
	c.u.Session = Session{Topic: topic, Started: c.now}
	return c.next(true)
}

// exerciseCommands are the commands that serve each kind of exercise.
var exerciseCommands = []struct {
	kind ExerciseKind
	name string
}{{SQLExercise, "sql"}, {PythonExercise, "py"}}

// exerciseCommandName is the command that starts exercises of kind k
// ("sql"), "" for a kind without one.
func exerciseCommandName(k ExerciseKind) string {
	for _, ec := range exerciseCommands {
		if ec.kind == k {
			return ec.name
		}
	}
	return ""
}

// pointToExercises answers /ask <query> when no card topic matches but
// exercise topics do (/stats and /sql list those too, so the user may well
// try them with /ask): it names the command that serves each, with a button
// for it. It reports whether it answered.
func (c *conv) pointToExercises(query string) bool {
	var lines []string
	var buttons []Button
	for _, ec := range exerciseCommands {
		matches := matchTopic(c.e.taught.ExerciseTopics(ec.kind), query) // none without a grader
		for _, t := range matches {
			arg := strings.ToLower(strings.Join(strings.Fields(query), " "))
			if len(matches) > 1 {
				arg = strings.ToLower(t) // the query alone would be ambiguous
			}
			cmd := "/" + ec.name + " " + arg
			lines = append(lines, fmt.Sprintf("%s has %s exercises: %s", t, exerciseName(ec.kind), cmd))
			buttons = append(buttons, Button{Label: cmd, Data: cutBytes(cmd, MaxButtonData)})
		}
	}
	if len(lines) == 0 {
		return false
	}
	c.send(Text(strings.Join(lines, "\n")+"\n/ask is for flashcards; /topics lists theirs."), buttons)
	return true
}

// next presents the next card of the run, or ends the run.
func (c *conv) next(starting bool) error {
	q, err := c.buildQueue(c.runScope())
	if err != nil {
		return err
	}
	var st *CardState
	var card Card
	remaining := q.size()
	switch {
	case len(q.due) > 0:
		st = &q.due[0]
		card, _ = c.e.lib.Card(st.CardID)
	case len(q.dueEx) > 0:
		ex, _ := c.e.lib.Exercise(q.dueEx[0].CardID)
		c.u.Session.Total = c.u.Session.Reviewed + remaining
		c.presentExercise(ex)
		return nil
	case len(q.newCards) == 0 && len(q.newEx) > 0:
		c.u.Session.Total = c.u.Session.Reviewed + remaining
		c.presentExercise(q.newEx[0])
		return nil
	case len(q.newCards) > 0:
		card = q.newCards[0]
	case q.ahead != nil:
		st = q.ahead
		card, _ = c.e.lib.Card(st.CardID)
	default:
		return c.finish(q, starting)
	}
	if remaining == 0 {
		remaining = 1 // the learn-ahead card
	}
	c.u.Session.Total = c.u.Session.Reviewed + remaining
	c.present(card)
	return nil
}

// present puts a card's question on screen under a fresh presentation token,
// which makes every earlier button stale.
func (c *conv) present(card Card) {
	c.u.NextToken++
	c.u.Session.Token = c.u.NextToken
	c.u.Session.CardID = card.ID
	c.u.Session.Stage = StageQuestion
	c.u.Session.Typed = ""
	c.u.Session.RevealedAt = time.Time{}
	text := c.header(card.Topic).Bold("❓ " + card.Question).Plain("\n\n").Italic("Think of your answer, then tap Show answer; or type your answer to see it beside mine.")
	c.send(text, []Button{{Label: "Show answer", Data: revealData(c.u.Session.Token)}})
}

// header is the progress line above a card: "SQL · 3/12".
func (c *conv) header(topic string) RichText {
	s := c.u.Session
	return RichText{}.Italic(fmt.Sprintf("%s · %d/%d", topic, s.Reviewed+1, max(s.Total, s.Reviewed+1))).Plain("\n")
}

// state returns the user's stored state of a card, or a new one.
func (c *conv) state(cardID string) (CardState, bool, error) {
	st, err := c.tx.CardState(c.u.Key, cardID)
	if errors.Is(err, ErrNotFound) {
		return CardState{CardID: cardID, FSRS: fsrs.NewCard(c.now)}, false, nil
	}
	return st, err == nil, err
}

// reveal shows the answer with four rating buttons. In place edits the
// question message (a button press); otherwise, after a typed answer that
// now sits below the question, the answer is sent as a new message.
func (c *conv) reveal(inPlace bool) error {
	s := &c.u.Session
	card, ok := c.e.lib.Card(s.CardID)
	if !ok {
		s.Stage = StageNone
		c.send(Text("That card was removed from the decks. Type /ask for the next one."))
		return nil
	}
	st, _, err := c.state(card.ID)
	if err != nil {
		return err
	}
	s.Stage = StageAnswer
	s.RevealedAt = c.now
	at := reviewTime(s.RevealedAt, st.FSRS)
	preview, err := outcomes(c.u.Settings.Retention, st.FSRS, at)
	if err != nil {
		return fmt.Errorf("prep: preview card %s: %w", card.ID, err)
	}
	text := c.header(card.Topic).Bold("❓ " + card.Question).Plain("\n\n").Append(card.Answer)
	if s.Typed != "" {
		text = text.Plain("\n\n").Bold("✍️ Your answer: ").Append(typedAnswer(s.Typed))
	}
	text = text.Plain("\n\n").Italic("How well did you recall it?")
	var row1, row2 []Button
	for _, r := range []Rating{Again, Hard, Good, Easy} {
		next := c.forInterview(preview[r].Card, at)
		b := Button{Label: RatingName(r) + " · " + FormatInterval(next.Due.Sub(at)), Data: rateData(s.Token, r)}
		if r <= Hard {
			row1 = append(row1, b)
		} else {
			row2 = append(row2, b)
		}
	}
	if inPlace {
		c.edit(text, row1, row2)
	} else {
		c.send(text, row1, row2)
	}
	return nil
}

// rate records a rating for presentation tok, once: a press with any other
// token, or on a card whose answer is not showing, changes nothing.
func (c *conv) rate(tok uint32, r Rating, pressed bool) error {
	s := &c.u.Session
	if tok != s.Token || s.Stage != StageAnswer {
		if pressed {
			if tok == s.Token || tok < s.Token {
				c.notice("Already rated. That card is no longer on screen.")
			} else {
				c.notice("That button is not current. Type /ask to continue.")
			}
		}
		return nil
	}
	card, ok := c.e.lib.Card(s.CardID)
	if !ok {
		s.Stage = StageNone
		c.send(Text("That card was removed from the decks. Type /ask for the next one."))
		return nil
	}
	interval, err := c.record(card.ID, r, s.RevealedAt)
	if err != nil {
		return err
	}
	leech := uint64(0)
	// Only a lapse (Again on a review card) can make a leech: an Again on a
	// relearning step adds no lapse and must not repeat the notice.
	if rv := c.lastRecorded; r == Again && rv.Before.FSRS.State == fsrs.Review && isLeechLapse(rv.After.FSRS.Lapses) {
		leech = rv.After.FSRS.Lapses
	}
	summary := RichText{}.Italic(card.Topic + " · ").Plain(card.Question).Plain("\n").
		Bold(fmt.Sprintf("%s · next in %s", RatingName(r), FormatInterval(interval)))
	if pressed {
		c.edit(summary)
	} else {
		c.send(summary)
	}
	if leech > 0 {
		c.offerLeech(card, leech)
	}
	return c.next(false)
}

// record schedules a rating of the card or exercise on screen with FSRS,
// appends it to the review log with the state before and after (for undo),
// stores the new state, and counts it in the session. It returns the
// interval to the next review.
func (c *conv) record(id string, r Rating, at time.Time) (time.Duration, error) {
	s := &c.u.Session
	before, _, err := c.state(id)
	if err != nil {
		return 0, err
	}
	at = reviewTime(at, before.FSRS)
	log, err := outcomes(c.u.Settings.Retention, before.FSRS, at)
	if err != nil {
		return 0, fmt.Errorf("prep: schedule %s: %w", id, err)
	}
	info := log[r]
	after := CardState{CardID: id, FSRS: c.forInterview(info.Card, at), Suspended: before.Suspended}
	review := Review{User: c.u.Key, CardID: id, Time: at, Rating: r, Before: before, After: after, Attempts: c.attemptsAt(id)}
	if err := c.countToday(review, +1); err != nil {
		return 0, err
	}
	if _, err := c.tx.AppendReview(review); err != nil {
		return 0, err
	}
	if err := c.tx.PutCardState(c.u.Key, after); err != nil {
		return 0, err
	}
	delete(c.u.Attempts, id) // an exercise's record ends with its rating
	s.Stage = StageNone
	s.Reviewed++
	c.recorded++
	if r != Again {
		s.Recalled++
	}
	c.lastRecorded = review
	return after.FSRS.Due.Sub(at), nil
}

// finish ends a run: a summary when cards were reviewed, else "all caught
// up" or the daily limit that holds cards back, with when the next card is
// due.
func (c *conv) finish(q queue, starting bool) error {
	s, sc := c.u.Session, c.runScope()
	c.u.Session = Session{}
	next, err := c.nextDue(sc)
	if err != nil {
		return err
	}
	scope := ""
	if s.Topic != "" {
		scope = " in " + s.Topic
	}
	// Cards held back by a daily limit are not "all caught up": the limits
	// are said as what they are, and the celebration is kept for when
	// nothing at all is left today.
	var limits []string
	if q.newTotal > 0 && q.newLeft == 0 {
		limits = append(limits, fmt.Sprintf("Today's new cards are done%s (%d more %s for tomorrow; /settings new raises the limit).", scope, q.newTotal, plural(q.newTotal, "waits", "wait")))
	}
	if q.dueTotal > len(q.due) {
		limits = append(limits, fmt.Sprintf("Today's review limit (%d) is reached; %d reviews wait for tomorrow.", c.u.Settings.ReviewsPerDay, q.dueTotal-len(q.due)))
	}
	var text RichText
	switch {
	case s.Reviewed > 0:
		text = RichText{}.Bold("✅ Session complete").Plain(fmt.Sprintf("\n%d reviewed, %d recalled (%d%%).", s.Reviewed, s.Recalled, percent(s.Recalled, s.Reviewed)))
	case len(limits) == 0:
		text = RichText{}.Bold("🎉 All caught up" + scope + "!")
	default:
		text = RichText{}.Bold(limits[0])
		limits = limits[1:]
	}
	for _, l := range limits {
		text = text.Plain("\n" + l)
	}
	if !next.IsZero() {
		text = text.Plain("\n" + sc.nextLine(c.when(next)))
	} else if q.newTotal == 0 && s.Reviewed == 0 && starting {
		text = text.Plain("\nNothing has been scheduled yet.")
	}
	c.send(text, []Button{{Label: "Due", Data: "/due"}, {Label: "Topics", Data: "/topics"}})
	return nil
}

// nextLine says when the next item of the scope is due: "Next in Joins:
// in 10m." for a topic, else "Next card due …" or "Next SQL exercise due …".
func (sc scope) nextLine(when string) string {
	switch {
	case sc.topic != "":
		return "Next in " + sc.topic + ": " + when + "."
	case sc.mode != "":
		return "Next " + exerciseName(sc.mode) + " exercise due " + when + "."
	}
	return "Next card due " + when + "."
}

// undo reverts the user's latest rating to the exact stored state before it
// and puts that card back on screen under a new token.
func (c *conv) undo() error {
	last, err := c.tx.LastReview(c.u.Key)
	if errors.Is(err, ErrNotFound) {
		c.send(Text("Nothing to undo."))
		return nil
	} else if err != nil {
		return err
	}
	if last.Before.FSRS.State == fsrs.New && last.Before.FSRS.Reps == 0 {
		err = c.tx.DeleteCardState(c.u.Key, last.CardID)
	} else {
		restored := last.Before
		// Undo reverts the rating, not a suspension made since (a
		// leech's "Suspend it" right after its Again).
		if now, err := c.tx.CardState(c.u.Key, last.CardID); err == nil {
			restored.Suspended = now.Suspended
		}
		err = c.tx.PutCardState(c.u.Key, restored)
	}
	if err != nil {
		return err
	}
	if err := c.countToday(last, -1); err != nil {
		return err
	}
	if err := c.tx.DeleteReview(last); err != nil {
		return err
	}
	card, ok := c.e.lib.Card(last.CardID)
	ex, isEx := c.e.lib.Exercise(last.CardID)
	if c.u.Session.Reviewed > 0 {
		c.u.Session.Reviewed--
		if last.Rating != Again && c.u.Session.Recalled > 0 {
			c.u.Session.Recalled--
		}
	}
	if isEx {
		// The exercise comes back as it stood before its rating, attempts
		// included: as the review recorded them, or, for a review written
		// before reviews kept them, as far as the rating tells.
		a, was := c.attemptsAt(ex.ID), last.Attempts
		if was == (ExerciseAttempts{}) {
			was = attemptsBefore(last.Rating)
		}
		c.setAttempts(ex.ID, ExerciseAttempts{Hints: max(a.Hints, was.Hints), Wrong: max(a.Wrong, was.Wrong)})
		c.send(RichText{}.Plain(fmt.Sprintf("↩️ Undid the %s result of ", RatingName(last.Rating))).Italic(ex.Title).Plain(fullStop(ex.Title) + " Here it is again:"))
		c.u.Session.Total = max(c.u.Session.Total, c.u.Session.Reviewed+1)
		c.presentExercise(ex)
		return nil
	}
	if !ok {
		c.u.Session.Stage = StageNone
		c.send(Text(fmt.Sprintf("Undid your %s rating. That card is no longer in the decks.", RatingName(last.Rating))))
		return nil
	}
	if c.u.Session.Started.IsZero() {
		c.u.Session.Started = c.now
	}
	c.send(RichText{}.Plain(fmt.Sprintf("↩️ Undid your %s rating of ", RatingName(last.Rating))).Italic(card.Question).Plain(fullStop(card.Question) + " Here it is again:"))
	c.u.Session.Total = max(c.u.Session.Total, c.u.Session.Reviewed+1)
	c.present(card)
	return nil
}

// when renders a future instant relative to now in the user's time zone:
// "in under a minute", "in 10m", "in 3h (14:05)", "tomorrow at 09:14", "on
// Mon 3 Dec". Only an instant already reached is "now": the queue counts
// as due exactly what is due at now, so a card due in 40 s beside "0
// reviews" must not read "Next review now".
func (c *conv) when(t time.Time) string {
	d := t.Sub(c.now)
	lt := t.In(c.loc())
	today := dayStart(c.now, c.loc())
	switch {
	case d <= 0:
		return "now"
	case d < time.Minute:
		return "in under a minute"
	case d < time.Hour:
		return "in " + FormatInterval(d)
	case lt.Before(today.AddDate(0, 0, 1)):
		return fmt.Sprintf("in %s (%s)", FormatInterval(d), lt.Format("15:04"))
	case lt.Before(today.AddDate(0, 0, 2)):
		return "tomorrow at " + lt.Format("15:04")
	case lt.Year() == c.now.In(c.loc()).Year() || d < 180*24*time.Hour:
		return "on " + lt.Format("Mon 2 Jan")
	default:
		return "on " + lt.Format("Mon 2 Jan 2006")
	}
}

func percent(a, b int) int {
	if b == 0 {
		return 0
	}
	return (a*100 + b/2) / b
}

func topicButtonRows(topics []string) [][]Button { return commandButtonRows("/ask", topics) }

// commandButtonRows offers one button per topic, two to a row, each running
// command for its topic ("/sql Dates").
func commandButtonRows(command string, topics []string) [][]Button {
	var rows [][]Button
	for i := 0; i < len(topics); i += 2 {
		var row []Button
		for _, t := range topics[i:min(i+2, len(topics))] {
			row = append(row, Button{Label: t, Data: cutBytes(command+" "+t, MaxButtonData)})
		}
		rows = append(rows, row)
	}
	return rows
}

func (c *conv) topicButtons() [][]Button { return topicButtonRows(c.e.lib.Topics()) }

// cutBytes shortens s to at most n bytes without splitting a character;
// topic prefixes still match after the cut.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
