package prep

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// An exercise on screen is StageExercise: the user's next message is an
// attempt. Grading runs outside any store transaction (it takes up to the
// grader's time limit), then a second transaction applies the verdict if the
// same presentation is still on screen. So a slow attempt never holds the
// database, and a stale one changes nothing.
//
// Rating an exercise from its attempts:
//   - solved on the first graded attempt, no hint: Good;
//   - solved with a hint, no wrong result before: Hard;
//   - solved after a wrong result (❌), or given up (Show solution): Again.
//
// Attempts that did not run (⚠️ errors, ⏱, 🧠) are not counted as wrong:
// a typo is not a lapse of memory.
//
// The hints and wrong results are kept per exercise (User.Attempts) until
// the exercise is rated, not per presentation: otherwise sending /sql again,
// or going to /ask and back, or /stop, would wipe a wrong answer and a
// correct retry would be rated Good. For the same reason /undo of an
// exercise's rating brings back the attempts that rating reflected, and a
// wrong verdict that arrives after its exercise left the screen still
// counts.

// exerciseNames names an exercise kind for messages.
func exerciseName(k ExerciseKind) string {
	switch k {
	case SQLExercise:
		return "SQL"
	case PythonExercise:
		return "Python"
	}
	return string(k)
}

// attemptJob is an attempt waiting to be graded.
type attemptJob struct {
	via    UserKey
	chat   string // Event.Chat of the attempt: where a late verdict goes
	user   UserKey
	token  uint32
	ex     Exercise
	answer string
	// reps is the exercise's review count when the attempt was sent: a
	// verdict that comes back after the exercise left the screen counts
	// against it only while it has not been rated since.
	reps uint64
}

// attemptsAt returns the record of an exercise since its last rating.
func (c *conv) attemptsAt(id string) ExerciseAttempts { return c.u.Attempts[id] }

// setAttempts stores the record of an exercise. An empty record is dropped,
// and so are those of exercises no longer in the content, so the map holds
// at most one entry per exercise with something to remember.
func (c *conv) setAttempts(id string, a ExerciseAttempts) {
	for other := range c.u.Attempts {
		if _, ok := c.e.lib.Exercise(other); !ok {
			delete(c.u.Attempts, other)
		}
	}
	if a == (ExerciseAttempts{}) {
		delete(c.u.Attempts, id)
		return
	}
	if c.u.Attempts == nil {
		c.u.Attempts = map[string]ExerciseAttempts{}
	}
	c.u.Attempts[id] = a
}

// rating is what a correct answer earns after these attempts.
func (a ExerciseAttempts) rating() Rating {
	switch {
	case a.Wrong > 0:
		return Again
	case a.Hints > 0:
		return Hard
	}
	return Good
}

// attemptsBefore is the record an exercise had when it was given rating r,
// as far as r tells it: /undo brings it back, so that undoing a result and
// solving the exercise again cannot earn more than the result undone.
func attemptsBefore(r Rating) ExerciseAttempts {
	switch r {
	case Again:
		return ExerciseAttempts{Wrong: 1} // a wrong result, or the solution shown
	case Hard:
		return ExerciseAttempts{Hints: 1}
	}
	return ExerciseAttempts{}
}

// exercises starts an exercise run of one kind (/sql, /py), optionally
// limited to a topic.
func (c *conv) exercises(kind ExerciseKind, args string) error {
	name := exerciseName(kind)
	if _, ok := c.e.graders[kind]; !ok {
		msg := name + " exercises are not available in this prepbot."
		if kind == PythonExercise {
			msg = "Python exercises are not installed: the Python interpreter is missing. Run scripts/fetch-python-wasm (see the README), then restart prepbot."
		}
		c.send(Text(msg))
		return nil
	}
	topics := c.e.lib.ExerciseTopics(kind)
	if len(topics) == 0 {
		c.send(Text("There are no " + name + " exercises in the content folder."))
		return nil
	}
	topic := ""
	if args != "" {
		matches := matchTopic(topics, args)
		switch len(matches) {
		case 0:
			c.send(Text(fmt.Sprintf("I have no %s exercises on %q. Topics: %s.", name, args, strings.Join(topics, ", "))))
			return nil
		case 1:
			topic = matches[0]
		default:
			c.send(Text(fmt.Sprintf("%q matches several topics: %s. Which one?", args, strings.Join(matches, ", "))),
				commandButtonRows("/"+exerciseCommandName(kind), matches)...)
			return nil
		}
	}
	c.u.Session = Session{Topic: topic, Started: c.now, Mode: kind}
	return c.next(true)
}

// presentExercise puts an exercise on screen under a fresh token. An
// exercise that comes back before it was rated brings its record along:
// the hints already given are shown again, and the user is told that the
// earlier attempts still count.
func (c *conv) presentExercise(ex Exercise) {
	c.u.NextToken++
	s := &c.u.Session
	s.Token = c.u.NextToken
	s.CardID = ex.ID
	s.Stage = StageExercise
	s.Typed = ""
	s.RevealedAt = time.Time{}
	how := "Reply with your query; a ```sql block is fine."
	if ex.Kind == PythonExercise {
		how = "Reply with your code; a ```python block is fine."
	}
	text := c.header("🧩 " + exerciseName(ex.Kind) + " · " + ex.Topic).Bold(ex.Title).Plain("\n\n").Append(ex.Prompt)
	a := c.attemptsAt(ex.ID)
	for i := range min(a.Hints, len(ex.Hints)) {
		text = text.Plain("\n\n").Bold(fmt.Sprintf("💡 Hint %d/%d: ", i+1, len(ex.Hints))).Plain(ex.Hints[i])
	}
	if a != (ExerciseAttempts{}) {
		text = text.Plain("\n\n").Italic(fmt.Sprintf("Your earlier attempts at this one still count: a correct answer now rates %s.", RatingName(a.rating())))
	}
	text = text.Plain("\n\n").Italic(how)
	c.send(text, c.exerciseButtons(ex))
}

func (c *conv) exerciseButtons(ex Exercise) []Button {
	tok := tokenString(c.u.Session.Token)
	var row []Button
	if c.attemptsAt(ex.ID).Hints < len(ex.Hints) {
		row = append(row, Button{Label: "Hint", Data: "h" + tok})
	}
	return append(row, Button{Label: "Show solution", Data: "s" + tok})
}

// exerciseOnScreen checks a hint or solution press against the exercise on
// screen.
func (c *conv) exerciseOnScreen(tok uint32) (Exercise, bool) {
	s := c.u.Session
	if tok != s.Token || s.Stage != StageExercise {
		c.notice("That exercise is no longer on screen.")
		return Exercise{}, false
	}
	ex, ok := c.e.lib.Exercise(s.CardID)
	if !ok {
		c.u.Session.Stage = StageNone
		c.notice("That exercise was removed from the content.")
		return Exercise{}, false
	}
	return ex, true
}

func (c *conv) hint(tok uint32) error {
	ex, ok := c.exerciseOnScreen(tok)
	if !ok {
		return nil
	}
	a := c.attemptsAt(ex.ID)
	if a.Hints >= len(ex.Hints) {
		c.notice("No more hints for this one.")
		return nil
	}
	a.Hints++
	c.setAttempts(ex.ID, a)
	c.send(RichText{}.Bold(fmt.Sprintf("💡 Hint %d/%d: ", a.Hints, len(ex.Hints))).Plain(ex.Hints[a.Hints-1]), c.exerciseButtons(ex))
	return nil
}

// solution gives up: the reference solution is shown and the exercise is
// rated Again.
func (c *conv) solution(tok uint32) error {
	ex, ok := c.exerciseOnScreen(tok)
	if !ok {
		return nil
	}
	interval, err := c.record(ex.ID, Again, c.now)
	if err != nil {
		return err
	}
	lang := "sql"
	if ex.Kind == PythonExercise {
		lang = "python"
	}
	c.send(RichText{}.Bold("📖 Solution").Plain("\n").Append(RichText{{Style: CodeBlock, Text: ex.Solution, Lang: lang}}).
		Italic(fmt.Sprintf("\nAgain · it comes back in %s.", FormatInterval(interval))))
	return c.next(false)
}

// attempt takes the user's message as an attempt at the exercise on screen;
// Handle grades it after this transaction commits.
func (c *conv) attempt(answer string) error {
	s := c.u.Session
	ex, ok := c.e.lib.Exercise(s.CardID)
	if !ok {
		c.u.Session.Stage = StageNone
		c.send(Text("That exercise was removed from the content. Type /sql for the next one."))
		return nil
	}
	st, _, err := c.state(ex.ID)
	if err != nil {
		return err
	}
	c.job = &attemptJob{via: c.via, user: c.u.Key, token: s.Token, ex: ex, answer: answer, reps: st.FSRS.Reps}
	return nil
}

// gradeWait is how long Handle waits for a grade before answering
// "grading…" and delivering the verdict when it is ready.
const defaultGradeWait = 1500 * time.Millisecond

// runAttempt grades an attempt and applies the verdict. When the engine can
// deliver later and grading takes longer than GradeWait, it returns a
// "grading…" reply at once and delivers the verdict when it comes.
func (e *Engine) runAttempt(ctx context.Context, job *attemptJob) []Reply {
	done := make(chan []Reply, 1)
	go func() { done <- e.gradeAndApply(job) }()
	if e.deliver == nil {
		return <-done
	}
	select {
	case r := <-done:
		return r
	case <-time.After(e.gradeWait):
		go func() {
			r := <-done
			for i := range r {
				r[i].Chat = job.chat
			}
			if err := e.deliver(context.WithoutCancel(ctx), job.via, r); err != nil {
				e.log.Error("deliver verdict", "user", job.via, "err", err)
			}
		}()
		return []Reply{{Kind: Send, Text: Text("⏳ Grading…")}}
	}
}

func (e *Engine) gradeAndApply(job *attemptJob) []Reply {
	grader := e.graders[job.ex.Kind]
	var verdict Verdict
	var err error
	if grader == nil {
		err = fmt.Errorf("prep: no grader for %s exercises", job.ex.Kind)
	} else {
		verdict, err = grader.Grade(context.Background(), job.ex, job.answer)
	}
	if err != nil {
		e.log.Error("grade attempt", "user", job.user, "exercise", job.ex.ID, "err", err)
		return []Reply{{Kind: Send, Text: Text("Sorry, I could not grade that just now; nothing was recorded. Please send it again.")}}
	}
	var replies []Reply
	recorded := 0
	uerr := e.commits.update(func(tx Tx) error {
		replies, recorded = nil, 0
		c, err := e.open(tx, job.via, "", "", e.now())
		if err != nil {
			return err
		}
		if err := c.applyVerdict(job, verdict); err != nil {
			return err
		}
		c.reschedule()
		replies, recorded = c.out, c.recorded
		return tx.PutUser(c.u)
	})
	if uerr != nil {
		e.log.Error("apply verdict", "user", job.user, "err", uerr)
		return []Reply{{Kind: Send, Text: Text("Sorry, something went wrong on my side and nothing was saved. Please send it again.")}}
	}
	e.countReviews(recorded)
	return replies
}

// applyVerdict shows the verdict and, when the exercise is solved, records
// its rating and moves on.
func (c *conv) applyVerdict(job *attemptJob, v Verdict) error {
	s := &c.u.Session
	ex := job.ex
	if s.Token != job.token || s.Stage != StageExercise {
		return c.staleVerdict(job, v)
	}
	switch v.Outcome {
	case Correct:
		rating := c.attemptsAt(ex.ID).rating()
		interval, err := c.record(ex.ID, rating, c.now)
		if err != nil {
			return err
		}
		text := RichText{}.Bold("✅ Correct!")
		if len(v.Detail) > 0 {
			text = text.Plain(" ").Append(v.Detail)
		}
		text = text.Plain("\n").Italic(fmt.Sprintf("%s · next in %s", RatingName(rating), FormatInterval(interval)))
		c.send(text)
		return c.next(false)
	case Wrong:
		a := c.attemptsAt(ex.ID)
		a.Wrong++
		c.setAttempts(ex.ID, a)
		c.send(RichText{}.Bold("❌ Not quite.").Plain("\n").Append(v.Detail).Italic("\nFix it and send it again."), c.exerciseButtons(ex))
	case TooSlow:
		c.send(RichText{}.Bold("⏱ Too slow.").Plain("\n").Append(v.Detail), c.exerciseButtons(ex))
	case OutOfMemory:
		c.send(RichText{}.Bold("🧠 Out of memory.").Plain("\n").Append(v.Detail), c.exerciseButtons(ex))
	default:
		c.send(RichText{}.Bold("⚠️ That did not run.").Plain("\n").Append(v.Detail), c.exerciseButtons(ex))
	}
	return nil
}

// staleVerdict answers a verdict for a presentation no longer on screen (the
// user moved on while it was graded). Nothing is rated from it, but a wrong
// result still counts against its exercise, unless the exercise was rated
// in the meantime: otherwise re-opening the exercise while a wrong answer
// is being graded would launder it.
func (c *conv) staleVerdict(job *attemptJob, v Verdict) error {
	if v.Outcome == Wrong {
		st, _, err := c.state(job.ex.ID)
		if err != nil {
			return err
		}
		if st.FSRS.Reps == job.reps {
			a := c.attemptsAt(job.ex.ID)
			a.Wrong++
			c.setAttempts(job.ex.ID, a)
			c.send(RichText{}.Plain("(Your attempt at ").Italic(job.ex.Title).Plain(", no longer on screen, was wrong: it counts when you next solve that exercise.)"))
			return nil
		}
	}
	c.send(Text("(That attempt was for an exercise that is no longer on screen; nothing was recorded.)"))
	return nil
}
