package engine

import (
	"slices"
	"strings"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// promptInput is everything a prompt is built from.
type promptInput struct {
	settings bots.Settings
	platform bots.Platform
	now      time.Time
	// turns is the conversation, oldest first, ending with the question.
	turns []bots.Turn
	// task is an extra instruction for a command (/code, /review, ...).
	task string
	// answerIn overrides the channel language (the target of /translate).
	answerIn string
	// window and ratio, when set, override the context window and the
	// estimator's calibration: a retry after the provider refused the
	// prompt as too long (overflow.go).
	window int
	ratio  float64
	// scans is what OCR made of the question's scanned PDFs (ocr.go).
	scans scanned
	// voice is what transcription made of its voice notes (voice.go).
	voice voiced
}

// prompt is a built request body.
type prompt struct {
	messages []bots.ModelMessage
	// dropped counts history turns left out to fit the context window.
	dropped int
	// tokens is the uncalibrated estimate of messages (Tokens.EstimateTokens),
	// what Estimator.Observe compares with the provider's count.
	tokens int
	// window and maxTokens are the context window trimmed to and the
	// reply budget to ask for (smaller than Options.MaxTokens when
	// the window is small); tooLong is true when the question alone does
	// not fit.
	window    int
	maxTokens int
	tooLong   bool
	// images counts the images sent; imagesOff is true when the question
	// had images and the model takes none; imagesCut counts the
	// question's images left out over Options.MaxImages.
	images    int
	imagesOff bool
	imagesCut int
}

// buildPrompt turns a conversation into chat messages:
//
//   - exactly one system message, first: the system prompt, the language
//     instruction, the command's task and a context line. Mistral's template
//     rejects a system message after an assistant message, so nothing else
//     ever goes into a system role;
//   - user turns rendered "Name: text" (several people talk in a thread),
//     with attachments as fenced blocks;
//   - bot turns as assistant messages;
//   - consecutive turns of one role merged into one message joined by
//     newlines: Mistral's chat template expects user and assistant to
//     alternate (and some hosted templates raise an error when they do not),
//     and several humans talking between two bot answers are one user turn
//     from the model's point of view;
//   - trimmed to ContextTokens-MaxTokens by the token estimate, keeping the
//     system message and the newest turns (the question always), dropping
//     the oldest; the conversation after the system message never starts
//     with an assistant turn (leading bot turns are quoted in a user turn).
func (e *Engine) buildPrompt(in promptInput) prompt {
	est := e.tokens.EstimateTokens
	sys := systemMessage(in)
	window, maxTokens := e.promptBudget(in)
	// Raw estimates are compared with the budget divided by the calibration
	// ratio: one division instead of scaling every turn.
	ratio := e.tokens.Ratio()
	if in.ratio > 0 {
		ratio = in.ratio
	}
	budget := int(float64(window-maxTokens) / ratio)
	sysCost := est(sys) + e.tokens.MessageOverhead()
	used := sysCost

	// The bot's own notices are not part of what the model said.
	turns := forModel(in.turns)
	// Walk back from the newest turn, keeping turns while they fit. A turn
	// too long to fit even alone (a pasted log the server refused) is left
	// out and the walk goes on: it must not cost the thread its context.
	var kept []bots.Turn
	var keptImages [][]bots.Image // the images sent of each kept turn
	tooLong := false
	// Images go to a model that takes them, at most maxImages in all:
	// the question's first, then the newest turns' (the walk's order).
	takes, room := e.takesImages(in.settings.Model), 0
	if takes {
		room = e.maxImages()
	}
	var pr prompt
	for i := len(turns) - 1; i >= 0; i-- {
		imgs, imgCost, cut := e.turnImages(in.settings.Model, turns[i], room, ratio)
		if i == len(turns)-1 {
			if !takes {
				pr.imagesOff = cut > 0
			} else {
				pr.imagesCut = cut
			}
		}
		cost := turnTokens(e.tokens, turns[i]) + imgCost
		if i == len(turns)-1 {
			tooLong = used+cost > budget
		} else if used+cost > budget {
			if sysCost+cost <= budget {
				break
			}
			continue
		}
		used += cost
		room -= len(imgs)
		pr.images += len(imgs)
		kept = append(kept, turns[i])
		keptImages = append(keptImages, imgs)
	}
	slices.Reverse(kept)
	slices.Reverse(keptImages)
	dropped := len(turns) - len(kept)
	msgs := assemble(sys, kept, keptImages)
	pr.messages, pr.dropped, pr.tokens, pr.window, pr.maxTokens, pr.tooLong = msgs, dropped, used, window, maxTokens, tooLong
	return pr
}

// assemble renders the kept turns (oldest first) after the system
// message, consecutive turns of one role in one message.
func assemble(sys string, kept []bots.Turn, keptImages [][]bots.Image) []bots.ModelMessage {
	// Bot turns before the first user turn (the start of a thread posted by
	// the bot, or what trimming left) become user context: the conversation
	// must not open with an assistant turn, and dropping them would lose
	// the question a command thread started with.
	lead := 0
	for lead < len(kept) && kept[lead].Role == bots.BotTurn {
		lead++
	}
	roleOf := func(i int) bots.TurnRole {
		if i < lead {
			return bots.UserTurn
		}
		return kept[i].Role
	}

	msgs := make([]bots.ModelMessage, 0, len(kept)+1)
	msgs = append(msgs, bots.ModelMessage{Role: bots.RoleSystem, Content: sys})
	var b strings.Builder
	for i := 0; i < len(kept); {
		role := roleOf(i)
		b.Reset()
		var images []bots.Image
		j := i
		for ; j < len(kept) && roleOf(j) == role; j++ {
			images = append(images, keptImages[j]...)
			if j > i {
				b.WriteByte('\n')
			}
			if j < lead {
				b.WriteString("(Your earlier message in this thread) ")
			}
			renderTurn(&b, kept[j])
		}
		r := bots.RoleUser
		if role == bots.BotTurn {
			r = bots.RoleAssistant
		}
		if r != bots.RoleUser {
			images = nil // only user content carries images
		}
		msgs = append(msgs, bots.ModelMessage{Role: r, Content: b.String(), Images: images})
		i = j
	}
	return msgs
}

// promptBudget returns the context window to trim to and the reply
// budget: Options.ContextTokens, or the server's window when it is
// smaller (it is what the server enforces), and the configured reply
// budget, cut to a quarter of a server's window that it would fill more
// than half of (a 1024-token reply in a 256-token llama-server).
func (e *Engine) promptBudget(in promptInput) (window, maxTokens int) {
	window = e.opts.ContextTokens
	if cw, ok := e.opts.LLM.(bots.ContextWindower); ok {
		if w := cw.ContextWindow(in.settings.Model); w > 0 && w < window {
			window = w
		}
	}
	if in.window > 0 {
		window = in.window
	}
	maxTokens = e.opts.MaxTokens
	if window < e.opts.ContextTokens && maxTokens > window/2 {
		maxTokens = max(window/4, 1)
	}
	return window, maxTokens
}

// forModel returns the turns as the model should see them: the bot's
// messages without the notices the Engine appended to them (withNotes),
// and without the bot messages that were only a notice.
func forModel(turns []bots.Turn) []bots.Turn {
	out := make([]bots.Turn, 0, len(turns))
	for _, t := range turns {
		if t.Role == bots.BotTurn {
			t.Text = i18n.StripNotices(t.Text)
			if strings.TrimSpace(t.Text) == "" && len(t.Attachments) == 0 {
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// systemMessage assembles the single leading system message.
func systemMessage(in promptInput) string {
	var b strings.Builder
	if p := strings.TrimSpace(in.settings.SystemPrompt); p != "" {
		b.WriteString(p)
		b.WriteString("\n\n")
	}
	lang := in.settings.Language
	if in.answerIn != "" {
		lang = in.answerIn
	}
	b.WriteString(languageInstruction(lang))
	if in.task != "" {
		b.WriteString("\n\n")
		b.WriteString(in.task)
	}
	b.WriteString("\n\n")
	b.WriteString(contextLine(in.platform, in.now))
	return b.String()
}

// contextLine tells the model where it speaks and what day it is.
func contextLine(p bots.Platform, now time.Time) string {
	where := "in a terminal chat"
	switch p {
	case bots.Slack:
		where = "in Slack, where several people may write in one thread"
	case bots.Discord:
		where = "in Discord, where several people may write in one thread"
	}
	return "Context: you are a chat assistant " + where +
		"; user messages start with the author's name. Your replies are rendered as Markdown. Today is " +
		now.UTC().Format("Monday 2 January 2006") + " (UTC)."
}

// turnTokens estimates the tokens of a rendered turn without rendering it.
func turnTokens(tk bots.Tokens, t bots.Turn) int {
	est := tk.EstimateTokens
	n := tk.MessageOverhead() + est(t.Text)
	if t.Role == bots.UserTurn && t.Name != "" {
		n += est(t.Name) + 1
	}
	for _, a := range t.Attachments {
		n += est(a.Name) + est(a.Text) + 12
	}
	return n
}

// renderTurn writes a turn's content: "Name: text" for users, then each
// attachment as a fenced block named after its file.
func renderTurn(b *strings.Builder, t bots.Turn) {
	if t.Role == bots.UserTurn && t.Name != "" {
		b.WriteString(t.Name)
		b.WriteString(": ")
	}
	b.WriteString(t.Text)
	for _, a := range t.Attachments {
		renderAttachment(b, a)
	}
}

// renderAttachment writes a file as a fenced block with a fence longer than
// any backtick run inside it, so the file cannot close it early.
func renderAttachment(b *strings.Builder, a bots.Attachment) {
	switch {
	case a.Refused != bots.NotRefused:
		return // the asker is told; the model has nothing to read
	case a.Image != nil:
		// The image itself follows the text as a content part.
		b.WriteString("\n\n[Image `")
		b.WriteString(a.Name)
		b.WriteString("`]")
		return
	}
	fence := strings.Repeat("`", max(3, longestRun(a.Text, '`')+1))
	b.WriteString("\n\nFile `")
	b.WriteString(a.Name)
	b.WriteString("`:\n")
	b.WriteString(fence)
	b.WriteString(fenceLanguage(a.Name))
	b.WriteByte('\n')
	b.WriteString(a.Text)
	if !strings.HasSuffix(a.Text, "\n") {
		b.WriteByte('\n')
	}
	b.WriteString(fence)
	if a.Truncated {
		b.WriteString("\n(The file was truncated here; the rest is not available.)")
	}
}

// fenceLanguage derives a fence info string from a file extension.
func fenceLanguage(name string) string {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || i == len(name)-1 {
		return ""
	}
	ext := strings.ToLower(name[i+1:])
	switch ext {
	case "py":
		return "python"
	case "js", "mjs", "cjs":
		return "javascript"
	case "ts":
		return "typescript"
	case "rs":
		return "rust"
	case "rb":
		return "ruby"
	case "sh", "bash":
		return "bash"
	case "yml":
		return "yaml"
	case "md":
		return "markdown"
	case "txt", "log":
		return ""
	}
	return ext
}

// longestRun returns the longest run of c in s.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}
