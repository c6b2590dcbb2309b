// Package chart draws prepbot's progress charts as PNG images: reviews per
// day by rating, the due forecast, and predicted recall by topic.
//
// Every chart is 1200×800 pixels with large type, so that it stays readable
// when a chat app shrinks it to the width of a phone. The package knows
// nothing of the store or of any chat platform: it takes plain series and
// returns PNG bytes.
package chart

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	stdfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Size of every chart, in pixels.
const (
	Width  = 1200
	Height = 800
)

// dpi turns lengths in points into pixels; 96 is what screens assume.
const dpi = 96

// Type sizes in points (at 96 dpi a point is 1.33 px). A phone shows the
// 1200-px image about 400 px wide, so 20 pt here reads like 9 pt there.
const (
	titleSize  = 30
	labelSize  = 24
	tickSize   = 21
	legendSize = 22
	valueSize  = 19
)

// Colours, as 0xRRGGBB. The ratings use Anki's red/orange/green/blue,
// which also differ in lightness, so they stay apart for most colour-blind
// readers.
const (
	black       = 0x222222
	grey        = 0x666666
	gridGrey    = 0xdddddd
	dueBlue     = 0x1f77b4
	belowOrange = 0xf08c1a
	onGreen     = 0x2ca02c
)

// rgb turns 0xRRGGBB into an opaque colour.
func rgb(hex uint32) color.Color {
	return color.RGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

// ratingColor is the colour of rating i: 0 Again, 1 Hard, 2 Good, 3 Easy.
func ratingColor(i int) color.Color {
	return rgb([4]uint32{0xd62728, 0xff991c, 0x2ca02c, 0x1f77b4}[i])
}

// ratingName is the button label of rating i: 0 Again, 1 Hard, 2 Good,
// 3 Easy.
func ratingName(i int) string { return [4]string{"Again", "Hard", "Good", "Easy"}[i] }

// ReviewsPerDay draws the reviews of each day as bars stacked by rating.
// byRating[i] counts the reviews of days[i] rated Again, Hard, Good and
// Easy, in that order; days are the starts of the user's local days, oldest
// first, and are labelled in their own location.
func ReviewsPerDay(days []time.Time, byRating [][4]int) ([]byte, error) {
	if len(days) != len(byRating) {
		return nil, fmt.Errorf("chart: reviews per day: %d days but %d counts", len(days), len(byRating))
	}
	p := newPlot("Day", "Reviews")
	total, highest := 0, 0
	for _, c := range byRating {
		for _, n := range c {
			if n < 0 {
				return nil, fmt.Errorf("chart: reviews per day: negative count %d", n)
			}
		}
		day := c[0] + c[1] + c[2] + c[3]
		total += day
		highest = max(highest, day)
	}
	title := fmt.Sprintf("Reviews per day, last %d days", len(days))
	if total > 0 {
		title += fmt.Sprintf(" (%d in all)", total)
	}
	var legend []legendEntry
	for k := range 4 {
		legend = append(legend, legendEntry{name: ratingName(k), color: ratingColor(k)})
	}
	if len(days) == 0 {
		return render(blank(p), "Reviews per day", nil, "No reviews yet")
	}
	p.Add(horizontalGrid())
	var below *plotter.BarChart
	for k := range 4 {
		values := make(plotter.Values, len(days))
		for i, c := range byRating {
			values[i] = float64(c[k])
		}
		bars, err := plotter.NewBarChart(values, barWidth(len(days)))
		if err != nil {
			return nil, fmt.Errorf("chart: reviews per day: %w", err)
		}
		bars.Color = ratingColor(k)
		bars.LineStyle.Width = 0
		if below != nil {
			bars.StackOn(below)
		}
		below = bars
		p.Add(bars)
	}
	// A label a week, counted back from the last day, so the most recent
	// day is always named.
	labels := make([]string, len(days))
	for i, d := range days {
		if (len(days)-1-i)%7 == 0 {
			labels[i] = d.Format("Jan 2")
		}
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.7, float64(len(days))-0.3
	countAxis(&p.Y, highest, false)
	message := ""
	if total == 0 {
		message = fmt.Sprintf("No reviews in the last %d days", len(days))
	}
	return render(p, title, legend, message)
}

// DueForecast draws how many cards fall due on each of the coming days.
// days are the starts of the user's local days, today first; counts[0]
// should include every overdue card.
func DueForecast(days []time.Time, counts []int) ([]byte, error) {
	if len(days) != len(counts) {
		return nil, fmt.Errorf("chart: due forecast: %d days but %d counts", len(days), len(counts))
	}
	p := newPlot("Day", "Cards due")
	total, highest := 0, 0
	for _, n := range counts {
		if n < 0 {
			return nil, fmt.Errorf("chart: due forecast: negative count %d", n)
		}
		total += n
		highest = max(highest, n)
	}
	title := fmt.Sprintf("Cards due, next %d days", len(days))
	if len(days) == 0 {
		return render(blank(p), "Cards due", nil, "No cards studied yet")
	}
	p.Add(horizontalGrid())
	values := make(plotter.Values, len(counts))
	var at plotter.XYLabels
	for i, n := range counts {
		values[i] = float64(n)
		if n > 0 {
			at.XYs = append(at.XYs, plotter.XY{X: float64(i), Y: float64(n)})
			at.Labels = append(at.Labels, strconv.Itoa(n))
		}
	}
	bars, err := plotter.NewBarChart(values, barWidth(len(days)))
	if err != nil {
		return nil, fmt.Errorf("chart: due forecast: %w", err)
	}
	bars.Color = rgb(dueBlue)
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.Add(newValueLabels(at, text.XCenter, text.YBottom, vg.Point{Y: vg.Points(4)}, false))
	// Every other day is named, from today; the weekday helps plan.
	labels := make([]string, len(days))
	for i, d := range days {
		switch {
		case i == 0:
			labels[i] = "Today\n+ overdue"
		case i%2 == 0:
			labels[i] = d.Format("Mon\nJan 2")
		}
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.7, float64(len(days))-0.3
	countAxis(&p.Y, highest, true)
	message := ""
	if total == 0 {
		message = fmt.Sprintf("Nothing due in the next %d days", len(days))
	}
	return render(p, title, nil, message)
}

// TopicRecall draws the predicted recall of each topic, a probability from
// 0 to 1, as horizontal bars in the order given (the first at the top), with
// a line at target. A NaN recall means the topic has not been studied: it
// gets no bar and says so.
func TopicRecall(topics []string, recall []float64, target float64) ([]byte, error) {
	if len(topics) != len(recall) {
		return nil, fmt.Errorf("chart: topic recall: %d topics but %d values", len(topics), len(recall))
	}
	if !(target >= 0 && target <= 1) {
		return nil, fmt.Errorf("chart: topic recall: target %v is not between 0 and 1", target)
	}
	for _, r := range recall {
		if !math.IsNaN(r) && !(r >= 0 && r <= 1) {
			return nil, fmt.Errorf("chart: topic recall: recall %v is not between 0 and 1", r)
		}
	}
	p := newPlot("Predicted recall", "")
	title := "Predicted recall by topic"
	legend := []legendEntry{
		{name: "Below target", color: rgb(belowOrange)},
		{name: "On target", color: rgb(onGreen)},
		{name: fmt.Sprintf("Target %.0f%%", 100*target), color: rgb(black), line: true},
	}
	if len(topics) == 0 {
		return render(blank(p), title, nil, "No topics yet")
	}
	n := len(topics)
	below, on := make(plotter.Values, n), make(plotter.Values, n)
	names := make([]string, n)
	var at plotter.XYLabels
	for i, r := range recall {
		y := n - 1 - i // the first topic at the top
		names[y] = shorten(topics[i], 26)
		switch {
		case math.IsNaN(r):
			at.XYs = append(at.XYs, plotter.XY{X: 0, Y: float64(y)})
			at.Labels = append(at.Labels, "not started")
		case r >= target:
			on[y] = 100 * r
		default:
			below[y] = 100 * r
		}
		if !math.IsNaN(r) {
			at.XYs = append(at.XYs, plotter.XY{X: 100 * r, Y: float64(y)})
			at.Labels = append(at.Labels, fmt.Sprintf("%.0f%%", 100*r))
		}
	}
	p.Add(verticalGrid())
	// Bars fill 70% of their slot; the data area is what the height leaves
	// below the title, the legend and the axis.
	height := TopicRecallHeight(n)
	dataArea := vg.Length(height-topicChrome) * vg.Inch / dpi
	width := min(vg.Points(60), 0.7*dataArea/vg.Length(n))
	for _, series := range []struct {
		values plotter.Values
		color  color.Color
	}{{below, rgb(belowOrange)}, {on, rgb(onGreen)}} {
		bars, err := plotter.NewBarChart(series.values, width)
		if err != nil {
			return nil, fmt.Errorf("chart: topic recall: %w", err)
		}
		bars.Horizontal = true
		bars.Color = series.color
		bars.LineStyle.Width = 0
		p.Add(bars)
	}
	line, err := plotter.NewLine(plotter.XYs{{X: 100 * target, Y: -0.5}, {X: 100 * target, Y: float64(n) - 0.5}})
	if err != nil {
		return nil, fmt.Errorf("chart: topic recall: %w", err)
	}
	line.LineStyle = targetLine()
	p.Add(line)
	p.Add(newValueLabels(at, text.XLeft, text.YCenter, vg.Point{X: vg.Points(6)}, true))
	p.NominalY(names...)
	p.Y.Label.Text = ""
	p.X.Min, p.X.Max = 0, 112 // room right of a full bar for its label
	p.X.Tick.Marker = plot.TickerFunc(func(_, _ float64) []plot.Tick {
		var ticks []plot.Tick
		for v := 0; v <= 100; v += 20 {
			ticks = append(ticks, plot.Tick{Value: float64(v), Label: strconv.Itoa(v) + "%"})
		}
		return ticks
	})
	return renderSized(p, title, legend, "", height)
}

// Topic rows: each needs room for its label (tickSize, 28 px at 96 dpi)
// and a gap; the title, legend and axis take topicChrome pixels.
const (
	topicRow    = 40
	topicChrome = 260
)

// TopicRecallHeight is the height in pixels of TopicRecall's chart for n
// topics: Height, or taller when the topics' labels would not fit in it
// without overlapping.
func TopicRecallHeight(n int) int { return max(Height, topicChrome+n*topicRow) }

// newPlot is a plot with large sans-serif type and the given axis labels.
func newPlot(xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		// Keep gonum's alignments (and the Y label's rotation); change the
		// type only.
		a.Label.TextStyle.Font = style(labelSize, false, nil).Font
		a.Label.TextStyle.Color = rgb(black)
		a.Label.Padding = vg.Points(8)
		a.Tick.Label.Font = style(tickSize, false, nil).Font
		a.Tick.Label.Color = rgb(black)
		a.LineStyle.Width = vg.Points(1.5)
		a.LineStyle.Color = rgb(grey)
		a.Tick.LineStyle.Width = vg.Points(1.5)
		a.Tick.LineStyle.Color = rgb(grey)
		a.Tick.Length = vg.Points(6)
	}
	p.Y.Min = 0
	return p
}

// style is a text style in Liberation Sans.
func style(size vg.Length, bold bool, c color.Color) text.Style {
	f := font.Font{Typeface: "Liberation", Variant: "Sans"}
	if bold {
		f.Weight = stdfont.WeightBold
	}
	return text.Style{
		Color:   c,
		Font:    font.From(f, size),
		Handler: plot.DefaultTextHandler,
		XAlign:  text.XLeft,
		YAlign:  text.YBottom,
	}
}

// barWidth fits n bars and their gaps in the plot's width, about 760 pt:
// bars fill 75% of their slot.
func barWidth(n int) vg.Length {
	return min(vg.Points(70), vg.Points(560)/vg.Length(n))
}

// countAxis sets an axis of counts: from 0, whole-number ticks at a round
// step, and headroom for value labels when the bars carry them.
func countAxis(a *plot.Axis, highest int, labelled bool) {
	step := 1
	for _, s := range []int{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000} {
		step = s
		if highest/s <= 6 {
			break
		}
	}
	top := max(highest, 4)
	if labelled {
		top = max(top+1, int(math.Ceil(float64(top)*1.1)))
	}
	a.Min, a.Max = 0, float64((top+step-1)/step*step)
	a.Tick.Marker = plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ticks []plot.Tick
		for v := 0; float64(v) <= hi; v += step {
			ticks = append(ticks, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
		}
		return ticks
	})
}

func horizontalGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	g.Horizontal.Color = rgb(gridGrey)
	g.Horizontal.Width = vg.Points(1)
	return g
}

func verticalGrid() *plotter.Grid {
	g := plotter.NewGrid()
	g.Horizontal.Color = nil
	g.Vertical.Color = rgb(gridGrey)
	g.Vertical.Width = vg.Points(1)
	return g
}

func targetLine() draw.LineStyle {
	return draw.LineStyle{Color: rgb(black), Width: vg.Points(3), Dashes: []vg.Length{vg.Points(10), vg.Points(6)}}
}

// valueLabels writes numbers (or words) next to bars; backed ones on a
// white patch, so that a target line crossing them does not hide them.
type valueLabels struct {
	at     plotter.XYLabels
	style  text.Style
	offset vg.Point
	backed bool
}

func newValueLabels(at plotter.XYLabels, x text.XAlignment, y text.YAlignment, offset vg.Point, backed bool) valueLabels {
	s := style(valueSize, true, rgb(black))
	s.XAlign, s.YAlign = x, y
	return valueLabels{at: at, style: s, offset: offset, backed: backed}
}

// Plot implements plot.Plotter.
func (l valueLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	pad := vg.Points(3)
	for i, xy := range l.at.XYs {
		pt := vg.Point{X: trX(xy.X) + l.offset.X, Y: trY(xy.Y) + l.offset.Y}
		if r := l.style.Rectangle(l.at.Labels[i]).Add(pt); l.backed {
			c.FillPolygon(color.White, []vg.Point{
				{X: r.Min.X - pad, Y: r.Min.Y}, {X: r.Max.X + pad, Y: r.Min.Y},
				{X: r.Max.X + pad, Y: r.Max.Y}, {X: r.Min.X - pad, Y: r.Max.Y},
			})
		}
		c.FillText(l.style, pt, l.at.Labels[i])
	}
}

// shorten cuts s to at most n characters, marking the cut with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// legendEntry is one item of a chart's legend: a colour swatch, or a line
// sample when line is set.
type legendEntry struct {
	name  string
	color color.Color
	line  bool
}

// message draws a sentence in the middle of the data area, for charts
// without data.
type message string

// Plot implements plot.Plotter.
func (m message) Plot(c draw.Canvas, _ *plot.Plot) {
	s := style(labelSize+4, false, rgb(grey))
	s.XAlign, s.YAlign = text.XCenter, text.YCenter
	c.FillText(s, c.Center(), string(m))
}

// blank turns p into an empty frame, axes without ticks, for a chart with
// nothing to draw.
func blank(p *plot.Plot) *plot.Plot {
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
	p.X.Tick.Marker = plot.ConstantTicks(nil)
	p.Y.Tick.Marker = plot.ConstantTicks(nil)
	return p
}

// render draws the title and a one-row legend above the plot, and an
// optional message over it, and encodes the image as PNG. The legend sits
// above the data, not inside it, so it never hides a bar.
func render(p *plot.Plot, title string, legend []legendEntry, msg string) ([]byte, error) {
	return renderSized(p, title, legend, msg, Height)
}

// renderSized is render for a chart of the given height in pixels.
func renderSized(p *plot.Plot, title string, legend []legendEntry, msg string, height int) ([]byte, error) {
	const margin = 16
	w, h := vg.Length(Width)*vg.Inch/dpi, vg.Length(height)*vg.Inch/dpi
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	c := draw.Crop(draw.New(img), vg.Points(margin), -vg.Points(margin), vg.Points(margin), -vg.Points(margin))

	ts := style(titleSize, true, rgb(black))
	ts.XAlign, ts.YAlign = text.XCenter, text.YTop
	c.FillText(ts, vg.Point{X: c.Center().X, Y: c.Max.Y}, title)
	top := ts.Height(title) + vg.Points(12)

	if len(legend) > 0 {
		ls := style(legendSize, false, rgb(black))
		ls.YAlign = text.YCenter
		swatch, gap, spacing := vg.Points(legendSize), vg.Points(8), vg.Points(30)
		row := -spacing
		for _, e := range legend {
			row += swatch + gap + ls.Width(e.name) + spacing
		}
		x, y := c.Center().X-row/2, c.Max.Y-top-swatch/2
		for _, e := range legend {
			if e.line {
				sty := targetLine()
				sty.Dashes = []vg.Length{vg.Points(7), vg.Points(4)}
				c.StrokeLine2(sty, x, y-vg.Points(2), x+swatch, y-vg.Points(2))
			} else {
				c.FillPolygon(e.color, []vg.Point{{X: x, Y: y - swatch/2}, {X: x + swatch, Y: y - swatch/2}, {X: x + swatch, Y: y + swatch/2}, {X: x, Y: y + swatch/2}})
			}
			c.FillText(ls, vg.Point{X: x + swatch + gap, Y: y}, e.name)
			x += swatch + gap + ls.Width(e.name) + spacing
		}
		top += swatch + vg.Points(14)
	}

	if msg != "" {
		p.Add(message(msg))
	}
	p.Draw(draw.Crop(c, 0, 0, 0, -top))

	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart: encode png: %w", err)
	}
	return buf.Bytes(), nil
}
