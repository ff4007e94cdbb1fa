package engine

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// Command runs a command. It never blocks on the model: commands that need
// it return an Ask for Answer. Refusals (allow-lists, permissions, limits,
// bad arguments) come back as localized Response.Text.
func (e *Engine) Command(ctx context.Context, conv bots.Conversations, cmd bots.Command) bots.Response {
	msg := cmd.Msg
	set := e.Settings(ctx, settingsID(msg))
	lang := e.uiLanguage(set, msg)
	switch e.allowed(msg) {
	case "channel":
		return bots.Response{Text: e.tr(lang, i18n.NotAllowedChannel)}
	case "user":
		return bots.Response{Text: e.tr(lang, i18n.NotAllowedUser)}
	}
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(cmd.Name), "/"))
	switch name {
	case "help":
		return bots.Response{Text: e.help(lang, cmd)}
	case "lang":
		return bots.Response{Text: e.langCommand(ctx, cmd, set, lang)}
	case "prompt":
		return bots.Response{Text: e.promptCommand(ctx, cmd, set, lang)}
	case "usage":
		return bots.Response{Text: e.usageReport(ctx, msg, lang)}
	case "digest":
		return bots.Response{Text: e.digestCommand(ctx, cmd, set, lang)}
	case "summarize":
		if cmd.Options["confirm"] == "" {
			if !set.Enabled {
				return bots.Response{Text: e.tr(lang, i18n.ChannelDisabled)}
			}
			if hit := e.checkLimits(ctx, msg); hit != nil {
				return bots.Response{Text: hit.text(lang)}
			}
		}
		return e.summarizeCommand(conv, cmd, set, lang)
	case "ask", "code", "explain", "review", "translate":
	default:
		return bots.Response{Text: e.help(lang, cmd)}
	}
	if !set.Enabled {
		return bots.Response{Text: e.tr(lang, i18n.ChannelDisabled)}
	}
	ask, refusal := e.prepare(name, cmd, lang)
	if ask == nil {
		return bots.Response{Text: refusal}
	}
	if hit := e.checkLimits(ctx, msg); hit != nil {
		return bots.Response{Text: hit.text(lang)}
	}
	return bots.Response{Ask: ask}
}

// help renders the help text with the platform's command prefix.
func (e *Engine) help(lang string, cmd bots.Command) string {
	return e.tr(lang, i18n.Help, e.prefix(cmd))
}

// prepare turns a model command into an Ask, or returns the localized
// refusal for bad arguments.
func (e *Engine) prepare(name string, cmd bots.Command, lang string) (*bots.Ask, string) {
	text := strings.TrimSpace(cmd.Text)
	atts := cmd.Msg.Attachments
	turn := bots.Turn{Role: bots.UserTurn, ID: cmd.Msg.ID, Name: cmd.Msg.UserName, Text: text, Attachments: atts}
	ask := &bots.Ask{Cmd: cmd, Question: text}
	switch name {
	case "ask":
		if text == "" && len(atts) == 0 {
			return nil, e.tr(lang, i18n.EmptyQuestion, e.prefix(cmd))
		}
	case "code":
		if text == "" && len(atts) == 0 {
			return nil, e.tr(lang, i18n.EmptyQuestion, e.prefix(cmd))
		}
		ask.Task = codeTask(cmd.Options["language"])
	case "explain", "review":
		if text == "" && len(atts) == 0 {
			return nil, e.tr(lang, i18n.ExplainNoCode)
		}
		turn.Text = fenceIfBare(text)
		ask.Task = explainTask
		if name == "review" {
			ask.Task = reviewTask
		}
	case "translate":
		target, rest := cmd.Options["target"], text
		if target == "" {
			// The language is the first word, whatever space follows it
			// ("/translate fr" then the text on a new line).
			target, rest = firstWord(text)
		}
		code, ok := normalizeLanguage(target)
		if !ok || code == bots.LanguageAuto || (rest == "" && len(atts) == 0) {
			return nil, e.tr(lang, i18n.TranslateUsage, e.prefix(cmd))
		}
		// No "Name:" prefix: the model would translate it too.
		turn = bots.Turn{Role: bots.UserTurn, Text: rest, Attachments: atts}
		ask.Question = rest
		ask.Task, ask.AnswerIn = translateTask(code), code
	}
	ask.Turn = turn
	ask.Title = title(ask.Question, atts)
	return ask, ""
}

func (e *Engine) prefix(cmd bots.Command) string {
	if p, ok := cmd.Options["prefix"]; ok {
		return p
	}
	return e.opts.CommandPrefix
}

// The task instructions added to the system message by commands.
const (
	explainTask = "Task: explain the code the user gives, for a developer who has not seen it: what it does, how, and anything surprising. Quote the relevant lines in fenced code blocks."
	reviewTask  = "Task: review the code the user gives. List concrete problems (bugs, security, error handling, performance, readability), the most important first, each with a fix shown in fenced code blocks."
)

// codeTask is the /code instruction; lang is the optional programming
// language.
func codeTask(lang string) string {
	lang = strings.TrimSpace(lang)
	if lang == "" {
		return "Task: help with code. Answer with working code in fenced code blocks tagged with their language, then a short explanation."
	}
	tag := strings.ToLower(strings.ReplaceAll(lang, " ", ""))
	return "Task: help with code. Answer with working " + lang + " code in fenced ```" + tag + " code blocks, then a short explanation."
}

// translateTask is the instruction for a translation into code.
func translateTask(code string) string {
	return "Task: translate the user's message into " + englishName(code) +
		". Reply with the translation only, without introduction or notes. Keep Markdown, code blocks, names and links as they are."
}

// fenceIfBare wraps text in a code fence unless it already holds one, so
// pasted code keeps its line structure for the model.
func fenceIfBare(text string) string {
	if text == "" || strings.Contains(text, "```") {
		return text
	}
	return "```\n" + text + "\n```"
}

// title summarizes a question in one line of at most 80 characters.
func title(q string, atts []bots.Attachment) string {
	line, _, _ := strings.Cut(strings.TrimSpace(q), "\n")
	line = strings.Trim(strings.TrimSpace(line), "`")
	if line == "" && len(atts) > 0 {
		line = atts[0].Name
	}
	if utf8.RuneCountInString(line) > 80 {
		r := []rune(line)
		line = strings.TrimSpace(string(r[:79])) + "…"
	}
	return line
}

// Answer queues the model answer for ask into reply. It returns ErrUserBusy
// when the asker has MaxPendingPerUser questions pending, ErrBusy
// when the queue is full and ErrStopped after shutdown; the reply has then
// been finished with the localized notice.
func (e *Engine) Answer(ctx context.Context, ask *bots.Ask, reply bots.Reply) error {
	if ask == nil || reply == nil {
		return errors.New("engine: Answer needs an Ask and a Reply")
	}
	msg := ask.Cmd.Msg
	err := e.push(ctx, &job{kind: jobAsk, key: msg.Key, msg: msg, reply: reply, ask: ask, queued: time.Now()})
	if err == nil {
		return nil
	}
	set := e.Settings(ctx, settingsID(msg))
	lang := e.uiLanguage(set, msg)
	// The reply is open already (the command's own response): it is
	// always finished, so no once-per-window suppression here.
	text := e.tr(lang, i18n.Interrupted)
	switch {
	case errors.Is(err, bots.ErrUserBusy):
		text = e.tr(lang, i18n.LimitUserPending, e.opts.MaxPendingPerUser)
		e.refused(msg.Key.Platform, "pending")
	case errors.Is(err, bots.ErrBusy):
		text = e.tr(lang, i18n.Busy)
		e.refused(msg.Key.Platform, "busy")
	}
	e.finish(ctx, reply, text)
	return err
}

// firstWord splits text at its first run of white space (spaces, tabs,
// newlines) and trims the rest.
func firstWord(text string) (word, rest string) {
	text = strings.TrimSpace(text)
	i := strings.IndexFunc(text, unicode.IsSpace)
	if i < 0 {
		return text, ""
	}
	return text[:i], strings.TrimSpace(text[i:])
}
