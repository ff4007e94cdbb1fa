package slack

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/pace"
	"mistralbot/internal/retry"
)

// Read limits of conversations.history and conversations.replies.
//
// Tier 3, "50+ per minute" per workspace and method, for Marketplace apps
// and a workspace's internal apps (https://docs.slack.dev/apis/web-api/rate-limits);
// pages of 200, the size Slack recommends ("We recommend no more than 200
// results at a time", conversations.history's limit argument).
//
// Since May 29, 2025 (September 2, 2025 for existing installations in the
// first announcement; the current rate-limits page exempts existing
// installations) commercially distributed apps not approved for the
// Marketplace get "1 request per minute" and "the maximum and default for
// the limit parameter has been reduced to 15 objects"
// (https://docs.slack.dev/changelog/2025/05/29/rate-limit-changes-for-non-marketplace-apps).
// Summarizing 5,000 messages then takes 334 calls, about 5.5 hours: the
// asker is told the wait before it starts (see bots/commands' summary).
const (
	readsPerMinute        = 45 // of Tier 3's 50: headroom for History's own reads
	readPageSize          = 200
	reducedReadsPerMinute = 1
	reducedReadPageSize   = 15
	// maxReadTries bounds the 429s one page may meet before the read
	// gives up with what it has.
	maxReadTries = 6
	// maxReducedPages bounds a read under the reduced limits to about 25
	// minutes (375 messages), inside summaryTimeout: the summary says it
	// read only part of the span. Under Tier 3, 50 pages of 200 cover
	// bot.summary_max_messages' maximum of 10,000.
	maxReducedPages = 25
	maxReadPages    = 50
)

var _ bots.SpanReader = (*Adapter)(nil)

// readBudgets returns one workspace's read buckets. Burst equals the
// minute's budget, as Slack's tiers allow bursts ("Slack allows bursts
// over these limits for short periods", rate-limits page); the fake's
// Tier 3 has the same shape.
func (a *Adapter) readBudgets() map[string]*pace.Bucket {
	n := readsPerMinute
	if a.opts.ReducedReads {
		n = reducedReadsPerMinute
	}
	return map[string]*pace.Bucket{
		"conversations.history": pace.NewBucketClock(n, time.Minute, a.now),
		"conversations.replies": pace.NewBucketClock(n, time.Minute, a.now),
	}
}

func (a *Adapter) maxPages() int {
	if a.opts.ReducedReads {
		return maxReducedPages
	}
	return maxReadPages
}

func (a *Adapter) pageSize() int {
	if a.opts.ReducedReads {
		return reducedReadPageSize
	}
	return readPageSize
}

// ReadSpan implements bots.SpanReader: a thread through
// conversations.replies (oldest first, every page, the newest Limit
// kept), a channel through conversations.history (newest first, until
// Limit), each page paced by the workspace's read budget and a 429
// waited out as Slack asks.
func (a *Adapter) ReadSpan(ctx context.Context, q bots.SpanQuery) (bots.Span, error) {
	q.Limit = max(q.Limit, 1)
	r := &spanRead{a: a, q: q, w: a.workspace(q.Key.Team), start: a.now()}
	var msgs []slackgo.Message
	var err error
	if q.Key.Thread != "" {
		msgs, err = r.thread(ctx)
	} else {
		msgs, err = r.channel(ctx)
	}
	span := bots.Span{Calls: r.calls, RateLimited: r.limited, Truncated: r.truncated,
		Waited: max(0, a.now().Sub(r.start)-r.busy)}
	for _, m := range msgs {
		if sm, keep := a.spanMessage(ctx, q.Key, m); keep {
			span.Messages = append(span.Messages, sm)
		}
	}
	if errors.Is(err, ErrNotInChannel) || errors.Is(err, ErrChannelNotFound) {
		return span, fmt.Errorf("slack: read span of %s: %w: %w", q.Key, bots.ErrNoAccess, err)
	}
	if err != nil {
		return span, fmt.Errorf("slack: read span of %s: %w", q.Key, err)
	}
	return span, nil
}

// spanRead is one ReadSpan's state and accounting.
type spanRead struct {
	a         *Adapter
	q         bots.SpanQuery
	w         *workspace
	start     time.Time
	busy      time.Duration // time inside the API calls themselves
	calls     int
	limited   int
	truncated bool
}

func (r *spanRead) thread(ctx context.Context) ([]slackgo.Message, error) {
	p := &slackgo.GetConversationRepliesParameters{ChannelID: r.q.Key.Channel, Timestamp: r.q.Key.Thread,
		Limit: r.a.pageSize(), Oldest: slackTS(r.q.Since), Latest: slackTS(r.q.Until), Inclusive: true}
	var out []slackgo.Message
	for {
		var msgs []slackgo.Message
		var more bool
		var next string
		err := r.page(ctx, "conversations.replies", func(ctx context.Context) (err error) {
			msgs, more, next, err = r.a.api.GetConversationRepliesContext(ctx, p)
			return err
		})
		if err != nil {
			return out, err
		}
		for _, m := range msgs {
			// The parent comes first on every page of some clients' reads;
			// keep each message once, and only within the span.
			if inSpan(m.Timestamp, r.q) && (len(out) == 0 || m.Timestamp > out[len(out)-1].Timestamp) {
				out = append(out, m)
			}
		}
		if len(out) > r.q.Limit {
			out = slices.Delete(out, 0, len(out)-r.q.Limit)
			r.truncated = true
		}
		if !more || next == "" {
			return out, nil
		}
		if r.calls >= r.a.maxPages() {
			r.truncated = true // the newest replies are left unread
			return out, nil
		}
		p.Cursor = next
	}
}

func (r *spanRead) channel(ctx context.Context) ([]slackgo.Message, error) {
	p := &slackgo.GetConversationHistoryParameters{ChannelID: r.q.Key.Channel, Limit: r.a.pageSize(),
		Oldest: slackTS(r.q.Since), Latest: slackTS(r.q.Until), Inclusive: true}
	var out []slackgo.Message // newest first until reversed
	for len(out) < r.q.Limit {
		p.Limit = min(r.a.pageSize(), r.q.Limit-len(out))
		var res *slackgo.GetConversationHistoryResponse
		err := r.page(ctx, "conversations.history", func(ctx context.Context) (err error) {
			res, err = r.a.api.GetConversationHistoryContext(ctx, p)
			return err
		})
		if err != nil {
			slices.Reverse(out)
			return out, err
		}
		out = append(out, res.Messages...)
		if !res.HasMore || res.ResponseMetaData.NextCursor == "" {
			slices.Reverse(out)
			return out, nil
		}
		if r.calls >= r.a.maxPages() {
			break
		}
		p.Cursor = res.ResponseMetaData.NextCursor
	}
	r.truncated = true
	slices.Reverse(out)
	return out, nil
}

// page makes one paginated call: it waits for the method's budget, and
// on 429 pauses the budget for Retry-After (so every reader of the
// workspace backs off) and tries again, at most maxReadTries times.
func (r *spanRead) page(ctx context.Context, method string, call func(context.Context) error) error {
	b := r.w.reads[method]
	pol := retry.Policy{Tries: maxReadTries, Backoff: retry.Backoff{Base: time.Second, Max: time.Minute},
		Retry: func(err error) (bool, time.Duration) {
			var ce *CallError
			if !errors.As(err, &ce) || ce.Class() != bots.Transient {
				return false, 0
			}
			if ce.rateLimited() {
				r.limited++
				b.Pause(ce.RetryAfter())
			}
			return true, ce.RetryAfter()
		}}
	return pol.Do(ctx, func(ctx context.Context) error {
		if err := b.Wait(ctx); err != nil {
			return err
		}
		t0 := r.a.now()
		err := call(ctx)
		r.busy += r.a.now().Sub(t0)
		r.calls++
		return r.a.apiErr(ctx, method, err, nil)
	})
}

// spanMessage converts one message; keep is false for joins, edits and
// empty messages, as in History.
func (a *Adapter) spanMessage(ctx context.Context, key bots.ConversationKey, m slackgo.Message) (bots.SpanMessage, bool) {
	if !historySubtypes[m.SubType] {
		return bots.SpanMessage{}, false
	}
	sm := bots.SpanMessage{ID: m.Timestamp, UserID: m.User, Time: tsTime(m.Timestamp),
		Link: a.permalink(key.Channel, m.Timestamp, m.ThreadTimestamp), Bot: a.isOwn(m.User, m.BotID)}
	switch {
	case sm.Bot:
		sm.Author = a.botName()
		sm.Text = a.plainText(ctx, ownText(m))
	default:
		sm.Text = a.plainText(ctx, messageText(m))
		sm.Author = a.authorName(ctx, m)
	}
	for _, f := range m.Files {
		sm.Text += " [file: " + f.Name + "]"
	}
	if m.ReplyCount > 0 && key.Thread == "" {
		sm.Text += " (" + strconv.Itoa(m.ReplyCount) + " replies in its thread)"
	}
	sm.Text = strings.TrimSpace(sm.Text)
	return sm, sm.Text != ""
}

// permalink builds a message's link from the workspace URL auth.test
// gave, in the form chat.getPermalink returns
// ("https://ghostbusters.slack.com/archives/C1H9RESGA/p135854651500008",
// and for a reply "?thread_ts=1358546515.000008&cid=C1H9RESGL",
// https://api.slack.com/methods/chat.getPermalink): no call per message,
// where chat.getPermalink would cost one each. "" before auth.test.
func (a *Adapter) permalink(channel, ts, threadTS string) string {
	if a.teamURL == "" || ts == "" {
		return ""
	}
	link := strings.TrimSuffix(a.teamURL, "/") + "/archives/" + channel + "/p" + strings.ReplaceAll(ts, ".", "")
	if threadTS != "" && threadTS != ts {
		link += "?thread_ts=" + threadTS + "&cid=" + channel
	}
	return link
}

// botName is the bot's name as auth.test gave it.
func (a *Adapter) botName() string {
	if a.botUser == "" {
		return "mistralbot"
	}
	return a.botUser
}

// inSpan reports whether ts falls within q's Since and Until.
func inSpan(ts string, q bots.SpanQuery) bool {
	t := tsTime(ts)
	return (q.Since.IsZero() || !t.Before(q.Since)) && (q.Until.IsZero() || !t.After(q.Until))
}

// slackTS renders t as a Slack ts bound ("" for zero).
func slackTS(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	us := t.UnixMicro()
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}
