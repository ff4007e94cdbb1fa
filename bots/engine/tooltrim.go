package engine

import "mistralbot/bots"

// Trimming a prompt that grew with tool rounds. The rule the providers
// enforce: every assistant message with tool_calls is followed by one
// tool message per call, and a tool message answers a call of the
// assistant message before it (Mistral and OpenAI refuse the request
// otherwise). So what is dropped is whole units: one history message, or
// one round (the assistant's calls with all their results).

// unit is the half-open span [from, to) of messages dropped together.
type unit struct{ from, to int }

// toolUnits splits msgs into units. The first message (the system
// prompt) is not part of any unit.
func toolUnits(msgs []bots.ModelMessage) []unit {
	var out []unit
	for i := 1; i < len(msgs); {
		j := i + 1
		if msgs[i].Role == bots.RoleAssistant && len(msgs[i].ToolCalls) > 0 {
			for j < len(msgs) && msgs[j].Role == bots.RoleTool {
				j++
			}
		}
		out = append(out, unit{i, j})
		i = j
	}
	return out
}

// trimRounds drops the oldest units of msgs until est(msgs) fits budget.
// It keeps the system message, the question (the last user message) and
// the last round (what the next answer is about); when even those do not
// fit it returns them and the provider's refusal says so. It returns the
// messages kept and how many were dropped.
func trimRounds(msgs []bots.ModelMessage, budget int, est func(bots.ModelMessage) int) ([]bots.ModelMessage, int) {
	total := 0
	for _, m := range msgs {
		total += est(m)
	}
	if total <= budget {
		return msgs, 0
	}
	units := toolUnits(msgs)
	question := -1
	for i, m := range msgs {
		if m.Role == bots.RoleUser {
			question = i
		}
	}
	drop := make([]bool, len(msgs))
	dropped := 0
	for k, u := range units {
		if total <= budget || k == len(units)-1 {
			break
		}
		if u.from <= question && question < u.to {
			continue
		}
		for i := u.from; i < u.to; i++ {
			drop[i] = true
			total -= est(msgs[i])
			dropped++
		}
	}
	out := make([]bots.ModelMessage, 0, len(msgs)-dropped)
	for i, m := range msgs {
		if !drop[i] {
			out = append(out, m)
		}
	}
	return out, dropped
}

// trim fits the next round's prompt into the window it was built for.
func (s *toolStream) trim() int {
	e := s.a.e
	budget := s.a.p.window - s.a.p.maxTokens
	if budget <= 0 {
		return 0
	}
	ratio := e.tokens.Ratio()
	est := func(m bots.ModelMessage) int {
		n := e.tokens.EstimateTokens(m.Content) + e.tokens.MessageOverhead()
		for _, c := range m.ToolCalls {
			n += e.tokens.EstimateTokens(c.Name+c.Arguments) + e.tokens.MessageOverhead()
		}
		return int(float64(n) * ratio)
	}
	var dropped int
	s.req.Messages, dropped = trimRounds(s.req.Messages, budget, est)
	return dropped
}
