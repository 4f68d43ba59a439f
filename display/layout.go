package display

import (
	"fmt"
	"image/color"
	"math"
	"strconv"
)

// painter collects a frame's items; u is the layout's unit, one pixel of
// the design size (1920 × 1080 for a landscape group screen), so that every
// resolution gets the same picture, scaled.
type painter struct {
	m     *metrics
	u     float64
	items []Item
}

func (p *painter) rect(x, y, w, h, radius float64, c color.RGBA, tag string) {
	if w <= 0 || h <= 0 {
		return
	}
	p.items = append(p.items, Item{Kind: Rect, X: x, Y: y, W: w, H: h, Radius: radius, Color: c, Tag: tag})
}

// text draws s with its baseline at y.
func (p *painter) text(s string, f Face, size, x, y float64, a Align, c color.RGBA, tag string) {
	size = quantize(size)
	if s == "" || size <= 0 {
		return
	}
	p.items = append(p.items, Item{Kind: Text, X: x, Y: y, Text: s, Face: f, Size: size, Align: a, Color: c, Tag: tag})
}

// line draws s centred vertically on mid, by the height of its capitals
// and digits.
func (p *painter) line(s string, f Face, size, x, mid float64, a Align, c color.RGBA, tag string) {
	size = quantize(size)
	p.text(s, f, size, x, mid+p.m.capHeight(f, size)/2, a, c, tag)
}

// quantize rounds a font size down to one of 16 steps an octave (whole
// pixels under 32): the renderer keeps an image of every glyph at every
// size it draws, and sizes fitted to each text's width would make new
// images for texts only slightly wider or narrower than the last. A size
// is at most 6 % smaller so.
func quantize(size float64) float64 {
	if size < 32 {
		return math.Floor(size)
	}
	step := math.Exp2(math.Floor(math.Log2(size)) - 4)
	return math.Floor(size/step) * step
}

// pill draws s on a rounded ground, its right end at right and its middle
// at mid; it returns the pill's left end.
func (p *painter) pill(s string, size, right, mid float64, ground, fg color.RGBA, dot bool, tag string) float64 {
	pad := size * 0.6
	w := p.m.width(Bold, size, s) + 2*pad
	h := size * 1.6
	dotD := size * 0.7
	if dot {
		w += dotD + pad*0.6
	}
	x := right - w
	p.rect(x, mid-h/2, w, h, h/2, ground, tag)
	tx := x + pad
	if dot {
		p.rect(tx, mid-dotD/2, dotD, dotD, dotD/2, fg, tag+".dot")
		tx += dotD + pad*0.6
	}
	p.line(s, Bold, size, tx, mid, Left, fg, tag+".text")
	return x
}

// layout lays the scene out on a width × height screen: portrait when it
// is taller than wide.
func (s *Scene) layout(sh show, width, height float64) []Item {
	portrait := height > width
	// As many items as the last frame had, and some: a frame is built in
	// one allocation, mostly.
	p := &painter{m: s.m, items: make([]Item, 0, len(s.last.Items)+32)}
	if portrait {
		p.u = min(width/1080, height/1920)
	} else {
		p.u = min(width/1920, height/1080)
	}
	if s.opts.Role == Desk {
		if portrait {
			p.u = min(width/720, height/1280)
		} else {
			p.u = min(width/1280, height/720)
		}
	}
	p.rect(0, 0, width, height, 0, colorGround, "ground")
	switch {
	case !sh.ready:
		s.connecting(p, sh, width, height)
	case s.opts.Role == Desk:
		s.desk(p, sh, width, height, portrait)
	default:
		s.group(p, sh, width, height, portrait)
	}
	return p.items
}

// connecting is the screen before the first snapshot.
func (s *Scene) connecting(p *painter, sh show, width, height float64) {
	u := p.u
	mid := height / 2
	if s.opts.Role == Desk {
		label := fmt.Sprintf(s.tx.counterN, s.opts.Counter)
		p.line(label, Bold, p.m.fit(Bold, 120*u, width*0.8, label), width/2, mid-90*u, Center, colorText, "desk.counter")
		mid += 90 * u
	}
	p.line(s.tx.connecting, Regular, p.m.fit(Regular, 48*u, width*0.9, s.tx.connecting), width/2, mid, Center, colorMuted, "connecting")
	if sh.clock != "" {
		p.line(sh.clock, Bold, 48*u, width-32*u, 56*u, Right, colorMuted, "clock")
	}
}

// header draws the top bar, h high: the location's name at the left, then
// from the right the clock, the date (when dateSize is not 0), and the
// marks (closed, offline) that apply.
func (s *Scene) header(p *painter, sh show, width, h, nameSize, clockSize, dateSize float64) {
	u := p.u
	m := 28 * u
	mid := h / 2
	p.rect(0, 0, width, h, 0, colorHeader, "header")
	right := width - m
	if sh.clock != "" {
		p.line(sh.clock, Bold, clockSize, right, mid, Right, colorText, "clock")
		right -= p.m.width(Bold, clockSize, sh.clock) + 28*u
		if dateSize > 0 {
			p.line(sh.date, Regular, dateSize, right, mid, Right, colorMuted, "date")
			right -= p.m.width(Regular, dateSize, sh.date) + 28*u
		}
	}
	if sh.offline {
		right = p.pill(s.tx.offline, 26*u, right, mid, color.RGBA{0x5c, 0x14, 0x1c, 0xff}, colorAlert, true, "offline") - 16*u
	}
	if sh.closed {
		right = p.pill(s.tx.closed, 26*u, right, mid, colorPanelHi, colorBreak, false, "closed") - 16*u
	}
	avail := right - m - 12*u
	size := max(p.m.fit(Bold, nameSize, avail, sh.name), nameSize*0.75)
	p.line(p.m.ellipsize(Bold, size, avail, sh.name), Bold, size, m, mid, Left, colorText, "name")
}

// group lays out a hall's screen: the header, the newest call, the recent
// calls, the numbers waiting per service and the info line.
func (s *Scene) group(p *painter, sh show, width, height float64, portrait bool) {
	u := p.u
	m := 28 * u
	hh := 104 * u
	if portrait {
		hh = 112 * u
	}
	dateSize := 34 * u
	if portrait {
		dateSize = 0 // no room beside a long name; the clock says enough
	}
	s.header(p, sh, width, hh, 46*u, 60*u, dateSize)
	bottom := height - m
	if sh.info != "" {
		fh := 72 * u
		p.rect(m, bottom-fh, width-2*m, fh, 16*u, colorPanel, "info")
		size := p.m.fit(Regular, 34*u, width-2*m-48*u, sh.info)
		p.line(p.m.ellipsize(Regular, size, width-2*m-48*u, sh.info), Regular, size, width/2, bottom-fh/2, Center, colorText, "info.text")
		bottom -= fh + m
	}
	top := hh + m
	body := bottom - top
	if portrait {
		callH := body * 0.27
		s.newest(p, sh, m, top, width-2*m, callH)
		y := top + callH + m
		// As high as its rows need, three at most: the rest is the queue's.
		rows := min((len(sh.recent)+1)/2, 3)
		recentH := 34*u*1.6 + 26*u*1.8 + float64(rows)*76*u
		if rows > 0 {
			s.recent(p, sh, m, y, width-2*m, recentH, 2)
		} else {
			recentH = -m
		}
		y += recentH + m
		s.waiting(p, sh, m, y, width-2*m, bottom-y)
		return
	}
	// Landscape: the calls at the left, the newest over the recent ones;
	// the numbers waiting at the right, the whole height, where a busy
	// hall's many services fit.
	leftW := (width - 3*m) * 0.46
	callH := body * 0.56
	s.newest(p, sh, m, top, leftW, callH)
	s.recent(p, sh, m, top+callH+m, leftW, body-callH-m, 2)
	s.waiting(p, sh, 2*m+leftW, top, width-3*m-leftW, body)
}

// newest draws the newest call in its box: bright yellow in the bright
// half of its blinking, then settled with a yellow frame.
func (s *Scene) newest(p *painter, sh show, x, y, w, h float64) {
	u := p.u
	r := 22 * u
	if sh.newest == nil {
		p.rect(x, y, w, h, r, colorPanel, "newest")
		p.line(s.tx.noCalls, Regular, p.m.fit(Regular, 56*u, w*0.8, s.tx.noCalls), x+w/2, y+h/2, Center, colorMuted, "newest.none")
		return
	}
	label, number, counter := colorMuted, colorCall, colorText
	if sh.blinkOn {
		p.rect(x, y, w, h, r, colorCall, "newest")
		label, number, counter = colorOnCall, colorOnCall, colorOnCall
	} else {
		bw := 6 * u
		p.rect(x, y, w, h, r, colorCall, "newest.frame")
		p.rect(x+bw, y+bw, w-2*bw, h-2*bw, r-bw, colorPanel, "newest")
	}
	labelSize := min(40*u, h*0.09)
	p.line(s.tx.nowCalling, Regular, labelSize, x+w/2, y+h*0.12, Center, label, "newest.label")
	num := sh.newest.Number
	size := p.m.fit(Bold, h*0.46, w*0.86, num)
	p.line(num, Bold, size, x+w/2, y+h*0.47, Center, number, "newest.number")
	ctext := fmt.Sprintf(s.tx.counterN, sh.newest.Counter)
	csize := p.m.fit(Bold, h*0.17, w*0.86, ctext)
	p.line(ctext, Bold, csize, x+w/2, y+h*0.82, Center, counter, "newest.counter")
}

// recent lists the calls before the newest, in cols columns, as many as
// fit.
func (s *Scene) recent(p *painter, sh show, x, y, w, h float64, cols int) {
	u := p.u
	if len(sh.recent) == 0 && s.opts.Recent == 0 {
		return
	}
	headSize := 34 * u
	p.line(s.tx.recent, Bold, headSize, x, y+headSize*0.6, Left, colorMuted, "recent.heading")
	top := y + headSize*1.6
	colHead := 26 * u
	gap := 24 * u
	colW := (w - float64(cols-1)*gap) / float64(cols)
	for c := range cols {
		cx := x + float64(c)*(colW+gap)
		p.line(s.tx.number, Regular, colHead, cx+24*u, top+colHead*0.6, Left, colorMuted, "recent.col")
		p.line(s.tx.counter, Regular, colHead, cx+colW-24*u, top+colHead*0.6, Right, colorMuted, "recent.col")
	}
	top += colHead * 1.8
	rowH := 76 * u
	rows := int((y + h - top) / rowH)
	if rows <= 0 {
		return
	}
	for i, c := range sh.recent {
		col, row := i/rows, i%rows
		if col >= cols {
			break
		}
		cx := x + float64(col)*(colW+gap)
		ry := top + float64(row)*rowH
		if row%2 == 0 {
			p.rect(cx, ry, colW, rowH-6*u, 12*u, colorPanel, "recent.row")
		}
		mid := ry + (rowH-6*u)/2
		tag := "recent." + strconv.Itoa(i)
		size := min(52*u, rowH*0.62)
		p.line(c.Number, Bold, size, cx+24*u, mid, Left, colorText, tag+".number")
		p.line(strconv.Itoa(c.Counter), Bold, size, cx+colW-24*u, mid, Right, colorCall, tag+".counter")
	}
}

// waiting draws the numbers waiting for service, a card per service, laid
// out to show as many numbers as fit; a card that cannot show all of its
// numbers says how many more wait.
func (s *Scene) waiting(p *painter, sh show, x, y, w, h float64) {
	u := p.u
	headSize := 34 * u
	p.line(s.tx.waiting, Bold, headSize, x, y+headSize*0.6, Left, colorMuted, "waiting.heading")
	top := y + headSize*1.6
	h = y + h - top
	if len(sh.queues) == 0 {
		p.line(s.tx.nobody, Regular, 44*u, x+w/2, top+min(h, 200*u)/2, Center, colorMuted, "waiting.none")
		return
	}
	l := s.planQueues(sh.queues, w, h, u)
	for _, c := range l.cards {
		s.card(p, l, c, x+c.x, top+c.y)
	}
	hidden := 0
	for _, q := range sh.queues[len(l.cards):] {
		hidden += len(q.numbers)
	}
	if hidden > 0 {
		p.line(fmt.Sprintf(s.tx.more, hidden), Bold, headSize, x+w, y+headSize*0.6, Right, colorCall, "waiting.more")
	}
}

// queueStyle is how the cards of waiting numbers are drawn: with the
// service's name over the numbers (stacked) or only its letter beside
// them, and at what scale.
type queueStyle struct {
	stacked bool
	scale   float64
}

// queuePlan is a layout of the waiting numbers.
type queuePlan struct {
	style                       queueStyle
	chipW, chipH, gap, pad, hdr float64 // the number chips, the gaps, a card's padding, its header's height
	numSize                     float64
	cards                       []queueCard
	shown                       int // numbers shown in all
}

// queueCard is one service's card.
type queueCard struct {
	q          serviceQueue
	x, y, w, h float64 // within the waiting area
	lines      int     // lines of numbers
	perLine    int
}

// planQueues picks how the waiting numbers are laid out: the first style
// (names over the numbers at full size, then letters beside them, then
// smaller numbers) that gives every service at least a line, in the number
// of columns (1 to 4) that shows the most numbers; more columns must show
// a fifth more to be chosen, as narrower cards cut the services' names.
// When no style fits every service, the first services that fit are shown,
// at the smallest size.
func (s *Scene) planQueues(qs []serviceQueue, w, h, u float64) queuePlan {
	for _, st := range []queueStyle{{true, 1}, {false, 1}, {true, 0.8}, {false, 0.8}, {false, 0.62}} {
		var best queuePlan
		found := false
		for cols := 1; cols <= min(4, len(qs)); cols++ {
			if pl, ok := s.tryQueues(qs, w, h, u, st, cols); ok && (!found || float64(pl.shown) > 1.2*float64(best.shown)) {
				best, found = pl, true
			}
		}
		if found {
			return best
		}
	}
	for n := len(qs) - 1; n > 0; n-- {
		if pl, ok := s.tryQueues(qs[:n], w, h, u, queueStyle{false, 0.62}, 1); ok {
			return pl
		}
	}
	return queuePlan{}
}

// tryQueues lays qs out in cols columns of cards with style st; it fails
// when a card would not hold one line of two numbers.
func (s *Scene) tryQueues(qs []serviceQueue, w, h, u float64, st queueStyle, cols int) (queuePlan, bool) {
	pl := queuePlan{style: st, gap: 16 * u, pad: 12 * u * st.scale, numSize: 46 * u * st.scale}
	widest := 0.0
	for _, q := range qs {
		for _, n := range q.numbers {
			widest = max(widest, s.m.width(Bold, pl.numSize, n))
		}
	}
	pl.chipW = widest + 28*u*st.scale
	pl.chipH = pl.numSize * 1.36
	if st.stacked {
		pl.hdr = 40 * u * st.scale
	}
	rows := (len(qs) + cols - 1) / cols
	cardW := (w - float64(cols-1)*pl.gap) / float64(cols)
	lineH := pl.chipH + pl.gap/2
	inner := cardW - 2*pl.pad
	if !st.stacked {
		inner -= pl.chipH + pl.gap // the letter's square
	}
	perLine := int((inner + pl.gap/2) / (pl.chipW + pl.gap/2))
	if perLine < 2 {
		return pl, false
	}
	cardFor := func(lines int) float64 { return 2*pl.pad + pl.hdr + float64(lines)*lineH - pl.gap/2 }
	lines := make([]int, len(qs))
	cardH := 0.0 // of every card of a grid; 0: as its lines need
	if cols == 1 {
		// One card per row: each gets a line, then the lines left go one
		// at a time to the cards that need more, in the services' order.
		used := float64(len(qs)-1) * pl.gap
		for i := range qs {
			lines[i] = 1
			used += cardFor(1)
		}
		if used > h {
			return pl, false
		}
		extra := int((h - used) / lineH)
		for extra > 0 {
			gave := false
			for i, q := range qs {
				if extra > 0 && lines[i]*perLine < len(q.numbers) {
					lines[i]++
					extra--
					gave = true
				}
			}
			if !gave {
				break
			}
		}
	} else {
		cardH = (h - float64(rows-1)*pl.gap) / float64(rows)
		n := int((cardH - 2*pl.pad - pl.hdr + pl.gap/2) / lineH)
		if n < 1 {
			return pl, false
		}
		for i := range lines {
			lines[i] = n
		}
	}
	y := 0.0
	rowH := 0.0
	for i, q := range qs {
		col := i % cols
		c := queueCard{q: q, x: float64(col) * (cardW + pl.gap), y: y, w: cardW, h: cardFor(lines[i]), lines: lines[i], perLine: perLine}
		if cardH > 0 {
			c.h = cardH
		}
		pl.cards = append(pl.cards, c)
		pl.shown += min(len(q.numbers), c.lines*perLine)
		rowH = max(rowH, c.h)
		if col == cols-1 {
			y += rowH + pl.gap
			rowH = 0
		}
	}
	return pl, true
}

// card draws one service's waiting numbers; when they do not all fit,
// the last places say how many more wait.
func (s *Scene) card(p *painter, l queuePlan, c queueCard, x, y float64) {
	u := p.u
	tag := "waiting." + c.q.prefix
	p.rect(x, y, c.w, c.h, 16*u, colorPanel, tag)
	cx, cy := x+l.pad, y+l.pad
	inner := c.w - 2*l.pad
	if l.style.stacked {
		bs := l.hdr
		p.rect(cx, cy, bs, bs, 8*u, colorText, tag+".badge")
		p.line(c.q.prefix, Bold, bs*0.72, cx+bs/2, cy+bs/2, Center, colorGround, tag+".prefix")
		// No count beside the name: the numbers and "jeszcze N" say it,
		// and a narrow card needs the room for the name.
		nameW := inner - bs - 16*u
		ns := bs * 0.7
		p.line(p.m.ellipsize(Regular, ns, nameW, c.q.name), Regular, ns, cx+bs+16*u, cy+bs/2, Left, colorText, tag+".name")
		cy += l.hdr + l.gap/2
	} else {
		bs := l.chipH
		p.rect(cx, cy, bs, bs, 8*u, colorText, tag+".badge")
		p.line(c.q.prefix, Bold, bs*0.62, cx+bs/2, cy+bs/2, Center, colorGround, tag+".prefix")
		cx += bs + l.gap
		inner -= bs + l.gap
	}
	slots := c.lines * c.perLine
	shown := len(c.q.numbers)
	more := ""
	moreSize := l.numSize * 0.72
	if shown > slots {
		// Free places at the end of the last line for "jeszcze N", or for
		// the shorter "+N" when that would leave the line no number.
		free := func(n int) float64 { return float64(slots-n)*(l.chipW+l.gap/2) - l.gap/2 }
		least := slots - c.perLine + 1
		for _, form := range []string{s.tx.more, "+%d"} {
			for shown = slots - 1; shown >= least; shown-- {
				more = fmt.Sprintf(form, len(c.q.numbers)-shown)
				if free(shown) >= p.m.width(Bold, moreSize, more)+8*u {
					break
				}
			}
			if shown >= least {
				break
			}
		}
		shown = max(shown, least)
	}
	step := l.chipW + l.gap/2
	lineH := l.chipH + l.gap/2
	for i, n := range c.q.numbers[:shown] {
		nx := cx + float64(i%c.perLine)*step
		ny := cy + float64(i/c.perLine)*lineH
		p.rect(nx, ny, l.chipW, l.chipH, 10*u, colorPanelHi, tag+".chip")
		p.line(n, Bold, l.numSize, nx+l.chipW/2, ny+l.chipH/2, Center, colorText, tag+".number")
	}
	if more != "" {
		nx := cx + float64(shown%c.perLine)*step
		ny := cy + float64(shown/c.perLine)*lineH
		p.line(more, Bold, moreSize, nx+8*u, ny+l.chipH/2, Left, colorCall, tag+".more")
	}
}

// desk lays out a counter's screen: its number in a panel, and beside it
// (under it, on a portrait screen) whom it calls or serves, or that it is
// on a break.
func (s *Scene) desk(p *painter, sh show, width, height float64, portrait bool) {
	u := p.u
	m := 24 * u
	bar := 64 * u
	s.header(p, sh, width, bar, 28*u, 36*u, 0)
	top := bar + m
	bodyH := height - top - m
	var cx, cy, cw, ch, sx, sy, sw, shh float64 // the counter's panel, the state's
	if portrait {
		cx, cy, cw, ch = m, top, width-2*m, bodyH*0.36
		sx, sy, sw, shh = m, top+ch+m, width-2*m, bodyH-ch-m
	} else {
		cx, cy, cw, ch = m, top, (width-3*m)*0.36, bodyH
		sx, sy, sw, shh = cx+cw+m, top, width-3*m-cw, bodyH
	}
	r := 24 * u
	p.rect(cx, cy, cw, ch, r, colorPanel, "desk.panel")
	p.line(s.tx.counter, Regular, min(44*u, ch*0.1), cx+cw/2, cy+ch*0.14, Center, colorMuted, "desk.label")
	num := strconv.Itoa(sh.counter)
	p.line(num, Bold, p.m.fit(Bold, ch*0.56, cw*0.8, num), cx+cw/2, cy+ch*0.57, Center, colorText, "desk.counter")

	mid := sy + shh/2
	switch sh.desk {
	case deskCalled, deskServing:
		label, number, svc := colorMuted, colorCall, colorMuted
		text := s.tx.pleaseCome
		if sh.desk == deskServing {
			text, number = s.tx.serving, colorText
			p.rect(sx, sy, sw, shh, r, colorPanel, "desk.state")
		} else if sh.blinkOn {
			p.rect(sx, sy, sw, shh, r, colorCall, "desk.state")
			label, number, svc = colorOnCall, colorOnCall, colorOnCall
		} else {
			bw := 6 * u
			p.rect(sx, sy, sw, shh, r, colorCall, "desk.frame")
			p.rect(sx+bw, sy+bw, sw-2*bw, shh-2*bw, r-bw, colorPanel, "desk.state")
		}
		p.line(text, Regular, p.m.fit(Regular, min(48*u, shh*0.1), sw*0.85, text), sx+sw/2, sy+shh*0.14, Center, label, "desk.status")
		p.line(sh.number, Bold, p.m.fit(Bold, shh*0.5, sw*0.86, sh.number), sx+sw/2, sy+shh*0.53, Center, number, "desk.number")
		if sh.service != "" {
			ss := min(34*u, shh*0.07)
			p.line(p.m.ellipsize(Regular, ss, sw*0.9, sh.service), Regular, ss, sx+sw/2, sy+shh*0.88, Center, svc, "desk.service")
		}
	case deskIdle:
		p.rect(sx, sy, sw, shh, r, colorPanel, "desk.state")
		p.line(s.tx.idle, Regular, p.m.fit(Regular, 48*u, sw*0.85, s.tx.idle), sx+sw/2, mid, Center, colorMuted, "desk.status")
	case deskBreak:
		p.line(s.tx.onBreak, Bold, p.m.fit(Bold, math.Min(shh*0.34, 220*u), sw*0.85, s.tx.onBreak), sx+sw/2, mid-shh*0.06, Center, colorBreak, "desk.status")
		hint := s.tx.elsewhere
		p.line(hint, Regular, p.m.fit(Regular, math.Min(40*u, shh*0.07), sw*0.9, hint), sx+sw/2, mid+shh*0.2, Center, colorMuted, "desk.hint")
	case deskClosed:
		p.line(s.tx.closed, Bold, p.m.fit(Bold, math.Min(shh*0.3, 200*u), sw*0.85, s.tx.closed), sx+sw/2, mid, Center, colorMuted, "desk.status")
	case deskUnknown:
		text := fmt.Sprintf(s.tx.noCounter, sh.counter)
		p.line(text, Regular, p.m.fit(Regular, 44*u, sw*0.85, text), sx+sw/2, mid, Center, colorAlert, "desk.status")
	}
}
