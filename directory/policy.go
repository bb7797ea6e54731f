package directory

import "time"

// Policy is the moderation policy: when community votes approve a proposal,
// who is trusted to edit at once, and how fast new accounts may propose.
type Policy struct {
	// VoteMargin: a pending proposal is approved by the community when votes
	// for exceed votes against by at least this much, no moderator voted
	// against it, and it is at least VoteMinAge old. 0 disables vote approval.
	VoteMargin int
	VoteMinAge time.Duration

	// A contributor is trusted (edits applied at once, listed for review
	// after the fact) with at least TrustMinApproved approved proposals and
	// an approval ratio of at least TrustMinRatio among reviewed ones.
	TrustMinApproved int
	TrustMinRatio    float64

	// New accounts may make RatePerHour proposals an hour and RatePerDay a
	// day; each approved proposal adds RateGrowth to both, up to 10 times
	// the base limits.
	RatePerHour int
	RatePerDay  int
	RateGrowth  int

	Login LoginPolicy

	// RegistrationsPerHour bounds the accounts created in an hour, server
	// wide (the per-address limits of the web layer do not stop many
	// addresses); 0 = no limit. Accounts made by the `user add` command
	// are not counted against it.
	RegistrationsPerHour int
	// ReportsPerHour bounds the reports one account makes in an hour;
	// AnonymousReportsPerHour the reports made without an account, server
	// wide, in an hour. 0 = no limit.
	ReportsPerHour          int
	AnonymousReportsPerHour int
}

// DefaultPolicy is the policy voisinage runs with unless configured otherwise.
var DefaultPolicy = Policy{
	VoteMargin:       3,
	VoteMinAge:       24 * time.Hour,
	TrustMinApproved: 10,
	TrustMinRatio:    0.9,
	RatePerHour:      10,
	RatePerDay:       30,
	RateGrowth:       2,
	Login:            DefaultLoginPolicy,

	RegistrationsPerHour:    100,
	ReportsPerHour:          20,
	AnonymousReportsPerHour: 60,
}
