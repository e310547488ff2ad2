package v1alpha1

import (
	"slices"
	"time"
)

// weekdays are the names WarmWindow.Days uses, Sunday first as in time.Weekday.
var weekdays = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// clamp bounds a size by min and max.
func (w *WarmPool) clamp(n int32) int32 {
	if w.Min != nil && n < *w.Min {
		n = *w.Min
	}
	if w.Max != nil && n > *w.Max {
		n = *w.Max
	}
	return n
}

// Peak is the largest size the pool ever has: what it can hold of the
// pool's GPU time-slices at once, which capacity checks count.
func (w *WarmPool) Peak() int32 {
	if w == nil {
		return 0
	}
	peak := w.clamp(w.Size)
	for _, win := range w.Schedule {
		peak = max(peak, w.clamp(win.Size))
	}
	return peak
}

// SizeAt is the size in force at t: the first window containing t, else
// Size, bounded by Min and Max. A time zone that does not load (the CRD
// cannot check it) counts as UTC; the error says so.
func (w *WarmPool) SizeAt(t time.Time) (int32, error) {
	if w == nil {
		return 0, nil
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	local := t.In(loc)
	day, clock := weekdays[local.Weekday()], local.Format("15:04")
	for _, win := range w.Schedule {
		if (len(win.Days) == 0 || slices.Contains(win.Days, day)) && clock >= win.Start && clock < win.End {
			return w.clamp(win.Size), err
		}
	}
	return w.clamp(w.Size), err
}
