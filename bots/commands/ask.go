package commands

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// The task instructions added to the system message by commands.
const (
	explainTask = "Task: explain the code the user gives, for a developer who has not seen it: what it does, how, and anything surprising. Quote the relevant lines in fenced code blocks."
	reviewTask  = "Task: review the code the user gives. List concrete problems (bugs, security, error handling, performance, readability), the most important first, each with a fix shown in fenced code blocks."
)

// Prepare turns a model command into an Ask, or returns the localized
// refusal for bad arguments.
func (c *Commands) Prepare(name string, cmd bots.Command, lang string) (*bots.Ask, string) {
	text := strings.TrimSpace(cmd.Text)
	atts := cmd.Msg.Attachments
	turn := bots.Turn{Role: bots.UserTurn, ID: cmd.Msg.ID, Name: cmd.Msg.UserName, Text: text, Attachments: atts}
	ask := &bots.Ask{Cmd: cmd, Question: text}
	switch name {
	case "ask":
		if text == "" && len(atts) == 0 {
			return nil, i18n.T(lang, i18n.EmptyQuestion, c.prefix(cmd))
		}
	case "code":
		if text == "" && len(atts) == 0 {
			return nil, i18n.T(lang, i18n.EmptyQuestion, c.prefix(cmd))
		}
		ask.Task = codeTask(cmd.Options["language"])
	case "explain", "review":
		if text == "" && len(atts) == 0 {
			return nil, i18n.T(lang, i18n.ExplainNoCode)
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
		code, ok := i18n.Normalize(target)
		if !ok || code == bots.LanguageAuto || (rest == "" && len(atts) == 0) {
			return nil, i18n.T(lang, i18n.TranslateUsage, c.prefix(cmd))
		}
		// No "Name:" prefix: the model would translate it too.
		turn = bots.Turn{Role: bots.UserTurn, Text: rest, Attachments: atts}
		ask.Question = rest
		ask.Task, ask.AnswerIn = TranslateTask(code), code
	}
	ask.Turn = turn
	ask.Title = title(ask.Question, atts)
	return ask, ""
}

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

// TranslateTask is the instruction for a translation into code.
func TranslateTask(code string) string {
	return "Task: translate the user's message into " + i18n.EnglishName(code) +
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
