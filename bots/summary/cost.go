package summary

// Estimate is what a summary is expected to cost before it starts: an
// upper bound that counts every reply at its full budget.
type Estimate struct {
	Calls        int
	InputTokens  int
	OutputTokens int
	USD          float64
}

// Estimate computes the plan's cost at prices: the chunks' prompts as
// planned, then combining rounds of notes counted at the reply budget.
func (p *Plan) Estimate(prices Prices) Estimate {
	var e Estimate
	add := func(in int) {
		e.Calls++
		e.InputTokens += in + p.sys + promptMargin
		e.OutputTokens += p.opts.ReplyTokens
	}
	for _, c := range p.chunks {
		add(c.Tokens)
	}
	if len(p.chunks) > 1 {
		parts, per := len(p.chunks), p.perGroup()
		for parts > 1 {
			groups := (parts + per - 1) / per
			for g := 0; g < groups; g++ {
				n := min(per, parts-g*per)
				add(n * (p.opts.ReplyTokens + promptMargin))
			}
			parts = groups
		}
	}
	e.USD = prices.USD(e.InputTokens, e.OutputTokens)
	return e
}

// perGroup is how many full-length notes one combining call reads.
func (p *Plan) perGroup() int {
	return max(2, p.budget/(p.opts.ReplyTokens+promptMargin))
}

// plannedCalls is the Estimate's call count, for progress reports.
func (p *Plan) plannedCalls() int { return p.Estimate(Prices{}).Calls }
