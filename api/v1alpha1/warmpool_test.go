package v1alpha1_test

import (
	"testing"
	"time"

	"k8s.io/utils/ptr"

	"github.com/vdirender/vdirender/api/v1alpha1"
)

// TestWarmPoolSize: the size in force by the schedule, bounded, and the
// peak a capacity check counts.
func TestWarmPoolSize(t *testing.T) {
	office := &v1alpha1.WarmPool{Size: 2, TimeZone: "Europe/Berlin", Max: ptr.To[int32](15),
		Schedule: []v1alpha1.WarmWindow{
			{Days: []string{"Mon", "Tue", "Wed", "Thu", "Fri"}, Start: "08:00", End: "18:00", Size: 10},
			{Days: []string{"Mon"}, Start: "07:00", End: "09:00", Size: 20}, // shadowed 08-09 by the first
			{Start: "22:00", End: "24:00", Size: 0},
		}}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	for _, tt := range []struct {
		name string
		at   time.Time
		want int32
	}{
		{"Monday 07:30: the Monday window, capped by max", time.Date(2026, 11, 30, 7, 30, 0, 0, berlin), 15},
		{"Monday 08:30: the first window that contains it", time.Date(2026, 11, 30, 8, 30, 0, 0, berlin), 10},
		{"Friday 17:59", time.Date(2026, 12, 4, 17, 59, 0, 0, berlin), 10},
		{"Friday 18:00: end excluded", time.Date(2026, 12, 4, 18, 0, 0, 0, berlin), 2},
		{"Saturday noon", time.Date(2026, 12, 5, 12, 0, 0, 0, berlin), 2},
		{"every night from 22:00", time.Date(2026, 12, 5, 23, 0, 0, 0, berlin), 0},
		{"Monday 09:30 Berlin given in UTC", time.Date(2026, 11, 30, 8, 30, 0, 0, time.UTC), 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := office.SizeAt(tt.at)
			if err != nil || got != tt.want {
				t.Errorf("SizeAt = %d, %v; want %d", got, err, tt.want)
			}
		})
	}
	if p := office.Peak(); p != 15 {
		t.Errorf("Peak = %d, want 15", p)
	}
	if p := (&v1alpha1.WarmPool{Size: 1, Min: ptr.To[int32](3)}).Peak(); p != 3 {
		t.Errorf("Peak with min 3 = %d", p)
	}
	if _, err := (&v1alpha1.WarmPool{TimeZone: "Mars/Olympus"}).SizeAt(time.Now()); err == nil {
		t.Error("an unknown time zone is not reported")
	}
}
