package prep

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
)

// Charts renders progress charts as PNG images. It is implemented outside
// the domain (internal/chart, on gonum plot); a nil Charts sends text only.
type Charts interface {
	ReviewsPerDay(days []time.Time, byRating [][4]int) ([]byte, error)
	DueForecast(days []time.Time, counts []int) ([]byte, error)
	TopicRecall(topics []string, recall []float64, target float64) ([]byte, error)
}

// statsInput gathers what the statistics need from the store.
func (c *conv) statsInput() (StatsInput, error) {
	_, revToday, err := c.todayCounts()
	if err != nil {
		return StatsInput{}, err
	}
	in := StatsInput{Now: c.now, Location: c.loc(), Retention: c.u.Settings.Retention,
		ReviewLimit: &ReviewLimit{PerDay: c.u.Settings.ReviewsPerDay, DoneToday: revToday}, Library: c.e.taught}
	for st, err := range c.tx.CardStates(c.u.Key) {
		if err != nil {
			return StatsInput{}, err
		}
		in.States = append(in.States, st)
	}
	for r, err := range c.tx.Reviews(c.u.Key, time.Time{}) {
		if err != nil {
			return StatsInput{}, err
		}
		in.Reviews = append(in.Reviews, r)
	}
	return in, nil
}

// stats reads the user's data in the transaction and computes and renders
// after it commits: the forecast's simulation and the charts take a moment
// and must not hold the database.
func (c *conv) stats() error {
	in, err := c.statsInput()
	if err != nil {
		return err
	}
	interview := c.interviewAt()
	countdown := c.countdown()
	c.afterCommit(func(context.Context) []Reply { return c.e.statsReplies(in, interview, countdown) })
	return nil
}

// pctBelow is pct for a value below limit: rounded down where rounding
// would make it read as limit ("95%, short of your 95% target").
func pctBelow(v, limit float64) string {
	if s := pct(v); s != pct(limit) || v >= limit {
		return s
	}
	return fmt.Sprintf("%d%%", int(math.Floor(100*v)))
}

// pct renders a probability as a whole percentage; one short of certain
// never reads "100%".
func pct(v float64) string {
	if v < 1 && v >= 0.995 {
		return "99%"
	}
	return fmt.Sprintf("%.0f%%", 100*v)
}

func (e *Engine) statsReplies(in StatsInput, interview time.Time, countdown string) []Reply {
	st := ComputeStats(in)
	text := RichText{}.Bold("📊 Your progress").Plain("\n")
	streak := fmt.Sprintf("%d %s", st.Streak, plural(st.Streak, "day", "days"))
	if st.StreakPending && st.Streak > 0 {
		streak += " (review today to keep it)"
	}
	text = text.Plain(fmt.Sprintf("Reviews: %d today, %d this week · streak %s\n", st.ReviewsToday, st.ReviewsWeek, streak))
	text = text.Plain(fmt.Sprintf("True retention: 7 days %s · 30 days %s · target %s\n", st.Retention7, st.Retention30, pct(st.DesiredRetention)))
	cards := fmt.Sprintf("Cards: %d new · %d learning · %d review (%d mastered)", st.Cards.New, st.Cards.Learning, st.Cards.Review, st.Cards.Mastered)
	if st.Cards.Suspended > 0 {
		cards += fmt.Sprintf(" · %d suspended", st.Cards.Suspended)
	}
	text = text.Plain(cards + "\n")
	if st.SQLPassRate.N > 0 {
		text = text.Plain(fmt.Sprintf("SQL exercises solved with no wrong answer: %s\n", st.SQLPassRate))
	}
	var week []string
	for _, d := range st.Due[:min(WeekDays, len(st.Due))] {
		week = append(week, fmt.Sprintf("%s %d", d.Day.Format("Mon"), d.Count))
	}
	text = text.Plain("Due this week: " + strings.Join(week, " · ") + "\n")
	text = text.Bold("\nTopics").Plain("\n")
	for _, t := range st.Topics {
		text = text.Plain(fmt.Sprintf("• %s: %d/%d seen, %d mastered, %d due\n", t.Topic, t.Seen, t.Total, t.Mastered, t.Due))
	}
	var rd Readiness
	if !interview.IsZero() && interview.After(in.Now) {
		rd = Forecast(in, interview, InterviewTarget(in.Retention))
		text = text.Append(readinessText(rd, countdown))
	}
	replies := []Reply{{Kind: Send, Text: text.TrimSpace()}}
	if e.charts == nil {
		return replies
	}
	photo := func(caption string, png []byte, err error) {
		if err != nil {
			e.log.Error("render chart", "chart", caption, "err", err)
			return
		}
		replies = append(replies, Reply{Kind: Photo, Text: Text(caption), Image: png})
	}
	days := make([]time.Time, len(st.Daily))
	byRating := make([][4]int, len(st.Daily))
	for i, d := range st.Daily {
		days[i], byRating[i] = d.Day, d.Count
	}
	png, err := e.charts.ReviewsPerDay(days, byRating)
	photo("Reviews per day, last 30 days", png, err)
	fdays := make([]time.Time, len(st.Due))
	counts := make([]int, len(st.Due))
	for i, d := range st.Due {
		fdays[i], counts[i] = d.Day, d.Count
	}
	png, err = e.charts.DueForecast(fdays, counts)
	photo("Cards due, next 14 days", png, err)
	if len(rd.Topics) > 0 {
		topics := make([]string, len(rd.Topics))
		recall := make([]float64, len(rd.Topics))
		for i, t := range rd.Topics {
			topics[i], recall[i] = t.Topic, t.Recall
		}
		png, err = e.charts.TopicRecall(topics, recall, rd.Target)
		photo("Predicted recall on interview day, by topic", png, err)
	}
	return replies
}

// readinessText is the forecast paragraph of /stats and /interview.
func readinessText(rd Readiness, countdown string) RichText {
	text := RichText{}.Bold("\n🎯 Interview readiness").Plain("\n")
	if countdown != "" {
		text = text.Italic(countdown).Plain("\n")
	}
	if rd.Studied == 0 && rd.Suspended > 0 {
		return text.Plain(fmt.Sprintf("All %d %s you have studied %s suspended, so none is counted: /suspended lets them back in.", rd.Suspended, plural(rd.Suspended, "card", "cards"), plural(rd.Suspended, "is", "are")))
	}
	if rd.Studied == 0 || math.IsNaN(rd.Recall) {
		return text.Plain(fmt.Sprintf("Nothing studied yet (%d %s not started): start with /ask.", rd.Unknown, plural(rd.Unknown, "card", "cards")))
	}
	text = text.Plain(fmt.Sprintf("Predicted recall on the day: %s of the %d %s you have studied", pct(rd.Recall), rd.Studied, plural(rd.Studied, "card", "cards")))
	if rd.Unknown > 0 {
		text = text.Plain(fmt.Sprintf("; %d not started yet", rd.Unknown))
	}
	text = text.Plain(".\n")
	if len(rd.Weakest) > 0 {
		var w []string
		for _, t := range rd.Weakest {
			w = append(w, fmt.Sprintf("%s %s", t.Topic, pct(t.Recall)))
		}
		text = text.Plain("Weakest: " + strings.Join(w, ", ") + ".\n")
	}
	plan := "No reviews fall due before it"
	if rd.BusiestDay > 0 {
		load := fmt.Sprintf("about %d %s a day", max(rd.ReviewsPerDay, 1), plural(max(rd.ReviewsPerDay, 1), "review", "reviews"))
		if rd.BusiestDay > rd.ReviewsPerDay {
			load += fmt.Sprintf(", %d on the busiest", rd.BusiestDay)
		}
		planned := pct(rd.PlannedRecall)
		if !rd.Reachable {
			planned = pctBelow(rd.PlannedRecall, rd.Target)
		}
		plan = "The reviews I schedule until then (" + load + ") bring it to " + planned
	}
	switch {
	case rd.Recall >= rd.Target:
		text = text.Plain(fmt.Sprintf("On track for your %s target: keep up with your reviews.", pct(rd.Target)))
	case rd.Reachable:
		text = text.Plain(fmt.Sprintf("%s, past your %s target: keep up with /ask as they come due.", plan, pct(rd.Target)))
	case rd.LimitNeeded > 0:
		text = text.Plain(fmt.Sprintf("%s, short of your %s target because of your daily review limit: /settings reviews %d lets them all in.", plan, pct(rd.Target), rd.LimitNeeded))
	case rd.BusiestDay == 0:
		text = text.Plain(fmt.Sprintf("%s: your %s target is out of reach in the time left; the weakest topics are where a review helps most.", plan, pct(rd.Target)))
	default:
		text = text.Plain(fmt.Sprintf("%s, short of your %s target in the time left; the weakest topics are where a review helps most.", plan, pct(rd.Target)))
	}
	return text
}

// readinessLine is the one-line forecast for the daily push: no simulation,
// so it is cheap enough for every user's push.
func (c *conv) readinessLine() (string, error) {
	at := c.interviewAt()
	if at.IsZero() || !at.After(c.now) {
		return "", nil
	}
	in, err := c.statsInput()
	if err != nil {
		return "", err
	}
	rd := Forecast(in, at, 0) // target 0: the recall only, no pace search
	if rd.Studied == 0 || math.IsNaN(rd.Recall) {
		return "", nil
	}
	return fmt.Sprintf("Predicted recall on interview day: %s.", pct(rd.Recall)), nil
}
