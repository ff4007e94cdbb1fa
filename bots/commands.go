package bots

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"mistralbot/bots/i18n"
)

// Command is a slash command, message shortcut or reaction, normalized.
type Command struct {
	// Name is the canonical name: ask, code, explain, review, translate,
	// lang, prompt, usage, help.
	Name string
	// Text is the free-text argument (the question, the code, the text to
	// translate, the language code for /lang, the prompt for /prompt).
	Text string
	// Options are named options: "language" (programming language for
	// /code), "target" (target language for /translate), "action" (show,
	// set or clear for /prompt), "prefix" (command prefix shown by /help).
	Options map[string]string
	// Msg says who asked and where; Msg.Key is where a streamed answer goes
	// unless the adapter opens another Reply. Msg.Attachments carry files
	// for /explain and /review.
	Msg Message
}

// Response is the immediate outcome of a command.
type Response struct {
	// Text is a short Markdown answer shown only to the asker (help, usage,
	// lang, prompt, refusals). Empty when Ask is set.
	Text string
	// Ask is non-nil when the command needs the model: the adapter opens the
	// place the answer goes (a thread, an interaction response) and passes
	// it to Engine.Answer.
	Ask *Ask
}

// Ask is a prepared model request produced by a command. Allow-lists and
// limits were checked when it was made.
type Ask struct {
	// Title is a one-line summary of the question, for thread names and the
	// message the adapter posts to start a thread.
	Title string
	// Question is the asker's text as it will be shown in the thread (the
	// text, or the code, or the text to translate).
	Question string
	cmd      Command
	turn     Turn
	task     string
	answerIn string
}

// Command runs a command. It never blocks on the model: commands that need
// it return an Ask for Answer. Refusals (allow-lists, permissions, limits,
// bad arguments) come back as localized Response.Text.
func (e *Engine) Command(ctx context.Context, conv Conversations, cmd Command) Response {
	msg := cmd.Msg
	set := e.Settings(ctx, settingsID(msg))
	lang := e.uiLanguage(set, msg)
	switch e.allowed(msg) {
	case "channel":
		return Response{Text: e.tr(lang, i18n.NotAllowedChannel)}
	case "user":
		return Response{Text: e.tr(lang, i18n.NotAllowedUser)}
	}
	name := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(cmd.Name), "/"))
	switch name {
	case "help":
		return Response{Text: e.help(lang, cmd)}
	case "lang":
		return Response{Text: e.langCommand(ctx, cmd, set, lang)}
	case "prompt":
		return Response{Text: e.promptCommand(ctx, cmd, set, lang)}
	case "usage":
		return Response{Text: e.usageReport(ctx, msg, lang)}
	case "ask", "code", "explain", "review", "translate":
	default:
		return Response{Text: e.help(lang, cmd)}
	}
	if !set.Enabled {
		return Response{Text: e.tr(lang, i18n.ChannelDisabled)}
	}
	ask, refusal := e.prepare(name, cmd, lang)
	if ask == nil {
		return Response{Text: refusal}
	}
	if hit := e.checkLimits(ctx, msg); hit != nil {
		return Response{Text: hit.text(lang)}
	}
	return Response{Ask: ask}
}

// help renders the help text with the platform's command prefix.
func (e *Engine) help(lang string, cmd Command) string {
	return e.tr(lang, i18n.Help, e.prefix(cmd))
}

// prepare turns a model command into an Ask, or returns the localized
// refusal for bad arguments.
func (e *Engine) prepare(name string, cmd Command, lang string) (*Ask, string) {
	text := strings.TrimSpace(cmd.Text)
	atts := cmd.Msg.Attachments
	turn := Turn{Role: UserTurn, ID: cmd.Msg.ID, Name: cmd.Msg.UserName, Text: text, Attachments: atts}
	ask := &Ask{cmd: cmd, Question: text}
	switch name {
	case "ask":
		if text == "" && len(atts) == 0 {
			return nil, e.tr(lang, i18n.EmptyQuestion, e.prefix(cmd))
		}
	case "code":
		if text == "" && len(atts) == 0 {
			return nil, e.tr(lang, i18n.EmptyQuestion, e.prefix(cmd))
		}
		ask.task = codeTask(cmd.Options["language"])
	case "explain", "review":
		if text == "" && len(atts) == 0 {
			return nil, e.tr(lang, i18n.ExplainNoCode)
		}
		turn.Text = fenceIfBare(text)
		ask.task = explainTask
		if name == "review" {
			ask.task = reviewTask
		}
	case "translate":
		target, rest := cmd.Options["target"], text
		if target == "" {
			// The language is the first word, whatever space follows it
			// ("/translate fr" then the text on a new line).
			target, rest = firstWord(text)
		}
		code, ok := normalizeLanguage(target)
		if !ok || code == LanguageAuto || (rest == "" && len(atts) == 0) {
			return nil, e.tr(lang, i18n.TranslateUsage, e.prefix(cmd))
		}
		// No "Name:" prefix: the model would translate it too.
		turn = Turn{Role: UserTurn, Text: rest, Attachments: atts}
		ask.Question = rest
		ask.task, ask.answerIn = translateTask(code), code
	}
	ask.turn = turn
	ask.Title = title(ask.Question, atts)
	return ask, ""
}

func (e *Engine) prefix(cmd Command) string {
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
func title(q string, atts []Attachment) string {
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
func (e *Engine) Answer(ctx context.Context, ask *Ask, reply Reply) error {
	if ask == nil || reply == nil {
		return errors.New("engine: Answer needs an Ask and a Reply")
	}
	msg := ask.cmd.Msg
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
	case errors.Is(err, ErrUserBusy):
		text = e.tr(lang, i18n.LimitUserPending, e.opts.MaxPendingPerUser)
		e.refused(msg.Key.Platform, "pending")
	case errors.Is(err, ErrBusy):
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
