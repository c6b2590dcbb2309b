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
	user   UserKey
	token  uint32
	ex     Exercise
	answer string
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
			c.send(Text(fmt.Sprintf("%q matches several topics: %s. Which one?", args, strings.Join(matches, ", "))))
			return nil
		}
	}
	c.u.Session = Session{Topic: topic, Started: c.now, Mode: kind}
	return c.next(true)
}

// presentExercise puts an exercise on screen under a fresh token.
func (c *conv) presentExercise(ex Exercise) {
	c.u.NextToken++
	s := &c.u.Session
	s.Token = c.u.NextToken
	s.CardID = ex.ID
	s.Stage = StageExercise
	s.Typed, s.Hints, s.Wrong = "", 0, 0
	s.RevealedAt = time.Time{}
	how := "Reply with your query; a ```sql block is fine."
	if ex.Kind == PythonExercise {
		how = "Reply with your code; a ```python block is fine."
	}
	text := c.header("🧩 " + exerciseName(ex.Kind) + " · " + ex.Topic).Bold(ex.Title).Plain("\n\n").Append(ex.Prompt).Plain("\n\n").Italic(how)
	c.send(text, c.exerciseButtons(ex))
}

func (c *conv) exerciseButtons(ex Exercise) []Button {
	tok := tokenString(c.u.Session.Token)
	var row []Button
	if c.u.Session.Hints < len(ex.Hints) {
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
	s := &c.u.Session
	if s.Hints >= len(ex.Hints) {
		c.notice("No more hints for this one.")
		return nil
	}
	s.Hints++
	c.send(RichText{}.Bold(fmt.Sprintf("💡 Hint %d/%d: ", s.Hints, len(ex.Hints))).Plain(ex.Hints[s.Hints-1]), c.exerciseButtons(ex))
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
	c.job = &attemptJob{via: c.via, user: c.u.Key, token: s.Token, ex: ex, answer: answer}
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
		c, err := e.open(tx, job.via, "", e.now())
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
	if s.Token != job.token || s.Stage != StageExercise {
		c.send(Text("(That attempt was for an exercise that is no longer on screen; nothing was recorded.)"))
		return nil
	}
	ex := job.ex
	switch v.Outcome {
	case Correct:
		rating := Good
		switch {
		case s.Wrong > 0:
			rating = Again
		case s.Hints > 0:
			rating = Hard
		}
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
		s.Wrong++
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
