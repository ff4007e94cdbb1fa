package engine

import (
	"context"
	"slices"

	"mistralbot/bots"
)

// The thread history cache. The platform is the source of truth, but
// fetching a thread on every message of a busy conversation costs a rate
// limited API call each time. So a fetched history is kept per
// ConversationKey for HistoryTTL (LRU-bounded): messages that pass through
// Dispatch are appended to it (answered or not), and so is the bot's own
// reply once finished. Edits and deletions on the platform show after the
// TTL.

// history returns the conversation up to msg, from the cache or fetched
// through conv, and makes sure msg itself is in the cache. On a fetch error
// the conversation is msg alone.
func (e *Engine) history(ctx context.Context, conv bots.Conversations, msg bots.Message) []bots.Turn {
	if e.opts.Defaults.HistoryMessages == 0 {
		// bot.history_messages: 0 asks for no history: no round trip.
		return []bots.Turn{turnOf(msg)}
	}
	turns, ok := e.histories.GetCopy(msg.Key, slices.Clone)
	switch {
	case !ok && opensThread(msg):
		// Nothing came before it in its thread: no round trip (a busy
		// Slack workspace has 50 conversations.replies a minute).
		turns = []bots.Turn{turnOf(msg)}
		e.histories.Put(msg.Key, slices.Clone(turns))
	case !ok:
		fetched, err := conv.History(ctx, msg.Key, e.opts.Defaults.HistoryMessages)
		if err != nil {
			e.log.WarnContext(ctx, "history fetch failed; answering from the message alone",
				"key", msg.Key.String(), "err", err)
			return []bots.Turn{turnOf(msg)}
		}
		turns = fetched
		if indexOf(turns, msg.ID) < 0 {
			turns = append(turns, turnOf(msg)) // the platform did not list it yet
		}
		e.histories.Put(msg.Key, slices.Clone(turns))
	case indexOf(turns, msg.ID) < 0:
		e.appendTurn(msg.Key, turnOf(msg))
		turns = append(turns, turnOf(msg))
	}
	return upTo(turns, msg)
}

// opensThread reports whether msg is a top-level message whose answer
// starts a thread under it (a mention in a channel) and that answers no
// earlier message: nothing came before it in its conversation.
func opensThread(msg bots.Message) bool {
	return !msg.InThread && msg.ReplyTo == "" && msg.ID != "" && msg.Key.Thread == msg.ID
}

// indexOf returns the index of the turn with id, or -1 (always -1 for "").
func indexOf(turns []bots.Turn, id string) int {
	if id == "" {
		return -1
	}
	for i := len(turns) - 1; i >= 0; i-- {
		if turns[i].ID == id {
			return i
		}
	}
	return -1
}

// upTo makes msg the last turn, with its normalized text (mention
// stripped, attachments fetched). User turns after it are later questions
// and are left out; bot turns after it are answers to earlier questions
// posted while msg waited, so they move before it: the model sees each
// answer after its question and the question being answered last.
func upTo(turns []bots.Turn, msg bots.Message) []bots.Turn {
	i := indexOf(turns, msg.ID)
	if i < 0 {
		return append(turns, turnOf(msg))
	}
	out := turns[:i]
	for _, t := range turns[i+1:] {
		if t.Role == bots.BotTurn {
			out = append(out, t)
		}
	}
	q := turnOf(msg)
	if len(q.Attachments) == 0 {
		// An adapter may fetch a follow-up's files with the history only.
		q.Attachments = turns[i].Attachments
	}
	return append(out, q)
}

// turnOf makes a user turn of a message.
func turnOf(msg bots.Message) bots.Turn {
	name := msg.UserName
	if name == "" {
		name = msg.UserID
	}
	return bots.Turn{Role: bots.UserTurn, ID: msg.ID, Name: name, Text: msg.Text, Attachments: msg.Attachments}
}

// observe appends an incoming message to its cached history, if any, so
// the cache stays whole in threads where not every message is answered.
func (e *Engine) observe(msg bots.Message) {
	e.appendTurn(msg.Key, turnOf(msg))
}

// appendTurn adds t to a cached history unless a turn with its id is
// already there, keeping at most HistoryMessages turns.
func (e *Engine) appendTurn(key bots.ConversationKey, t bots.Turn) {
	limit := e.opts.Defaults.HistoryMessages
	e.histories.Update(key, func(turns []bots.Turn) []bots.Turn {
		if indexOf(turns, t.ID) >= 0 {
			return turns
		}
		turns = append(turns, t)
		if len(turns) > limit {
			turns = slices.Clone(turns[len(turns)-limit:])
		}
		return turns
	})
}

// addReply puts the bot's answer into a cached history right after the
// question it answers (and the answers already given to it), not at the
// end: when several questions arrived before the first answer, the model
// then sees each answer next to its question.
func (e *Engine) addReply(key bots.ConversationKey, questionID string, t bots.Turn) {
	limit := e.opts.Defaults.HistoryMessages
	e.histories.Update(key, func(turns []bots.Turn) []bots.Turn {
		at := len(turns)
		if i := indexOf(turns, questionID); i >= 0 {
			at = i + 1
			for at < len(turns) && turns[at].Role == bots.BotTurn {
				at++
			}
		}
		turns = slices.Insert(turns, at, t)
		if len(turns) > limit {
			turns = slices.Clone(turns[len(turns)-limit:])
		}
		return turns
	})
}

// Forget drops what the Engine remembers of a conversation (cached history,
// joined thread), e.g. when a console user resets the conversation.
func (e *Engine) Forget(key bots.ConversationKey) {
	e.histories.Remove(key)
	e.joined.Remove(key)
}
