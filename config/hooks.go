package config

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"time"
)

var (
	durationType   = reflect.TypeFor[time.Duration]()
	stringsType    = reflect.TypeFor[[]string]()
	errNoUnit      = errors.New(`a duration needs a unit, e.g. "30s" or "2m"`)
	errNotWhole    = errors.New("must be a whole number of reasonable size")
	errNotBool     = errors.New("must be true or false")
	errBadDuration = errors.New(`not a duration; write e.g. "30s", "2m" or "1h30m"`)
)

// durationHook decodes "30s"; a bare number other than 0 is an error
// rather than nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != durationType || from == durationType {
		return data, nil
	}
	switch from.Kind() {
	case reflect.String:
		d, err := time.ParseDuration(strings.TrimSpace(data.(string)))
		if err != nil {
			return nil, errBadDuration
		}
		return d, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if reflect.ValueOf(data).IsZero() {
			return time.Duration(0), nil
		}
		return nil, errNoUnit
	}
	return data, nil
}

// listHook decodes "a, b,c" (an env var or a YAML string) into a list,
// trimming spaces and dropping empty items.
func listHook(from, to reflect.Type, data any) (any, error) {
	if to != stringsType || from.Kind() != reflect.String {
		return data, nil
	}
	return splitList(data.(string)), nil
}

func splitList(s string) []string {
	out := []string{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// wholeNumberHook refuses 2.5 for an integer key instead of truncating it.
func wholeNumberHook(from, to reflect.Type, data any) (any, error) {
	switch to.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
	default:
		return data, nil
	}
	if to == durationType {
		return data, nil
	}
	if from.Kind() == reflect.Float64 || from.Kind() == reflect.Float32 {
		f := reflect.ValueOf(data).Float()
		if f != math.Trunc(f) || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1<<62 {
			return nil, errNotWhole
		}
	}
	return data, nil
}

// boolHook accepts yes/no and on/off besides what strconv.ParseBool takes:
// YAML 1.1 habits and shell environments use them.
func boolHook(from, to reflect.Type, data any) (any, error) {
	if to.Kind() != reflect.Bool || from.Kind() != reflect.String {
		return data, nil
	}
	switch strings.ToLower(strings.TrimSpace(data.(string))) {
	case "1", "t", "true", "yes", "y", "on":
		return true, nil
	case "0", "f", "false", "no", "n", "off":
		return false, nil
	}
	return nil, errNotBool
}
