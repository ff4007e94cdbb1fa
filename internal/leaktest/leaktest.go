// Package leaktest is for tests only: goleak's check with a longer grace.
package leaktest

import "go.uber.org/goleak"

// Find reports the goroutines started since before that are still there
// after about 4 s. goleak.Find alone retries for about 0.4 s (20 tries,
// v1.3.0 has no option to raise it), which a goroutine that is returning
// can outlast on a loaded 2-core CI machine under -race; a real leak
// stays, so the check still fails for it.
func Find(before goleak.Option) error {
	var err error
	for range 10 {
		if err = goleak.Find(before); err == nil {
			return nil
		}
	}
	return err
}
