package import Foundation
package import Evidence
package import Gates

/// What a report shows about reproductions of the bundle (`attest report --reproduction FILE`).
package struct ReproductionEvidence: Sendable {
    package var files: [String]
    package var tally: Reproduction.Tally

    package init(files: [String], tally: Reproduction.Tally) {
        self.files = files
        self.tally = tally
    }
}

/// Everything one report is made from. Pure data: the same input gives the same page.
package struct ReportInput: Sendable {
    /// The verifier's report: findings, trusted key ids, and the decoded statements.
    package var verification: VerificationReport
    /// The bundle's file name as the user gave it.
    package var bundleName: String
    package var reproductions: ReproductionEvidence?
    package var generatedAt: Date
    /// The bundle's RFC 3161 timestamps checked against the TSA CAs given (nil: none given).
    package var timestamps: TimestampReport?

    package init(verification: VerificationReport, bundleName: String, reproductions: ReproductionEvidence? = nil, generatedAt: Date,
                timestamps: TimestampReport? = nil) {
        self.timestamps = timestamps
        self.verification = verification
        self.bundleName = bundleName
        self.reproductions = reproductions
        self.generatedAt = generatedAt
    }
}

/// Turns a verified (or not) bundle into one self-contained XHTML-compatible HTML page with inline
/// SVG charts: no script, no external resource, so it works opened from disk and cannot call out.
/// A bundle that does not verify is rendered under a red banner that lists every finding.
package enum HTMLReport {
    /// Verifies `bundleData` against `trustedKeys` (with gate re-derivation) and renders it.
    package static func make(bundleData: Data, bundleName: String, trustedKeys: [PublicKey],
                            reproductions: [(path: String, data: Data)] = [], generatedAt: Date,
                            timestamps: TimestampReport? = nil) -> (html: String, verification: VerificationReport) {
        var verification = Verifier(trustedKeys: trustedKeys, policies: [GateVerdictPolicy(), TestResultPolicy()]).verify(bundleData: bundleData)
        verification.bundleFindings += timestamps?.findings ?? []
        let evidence = reproductions.isEmpty ? nil : ReproductionEvidence(
            files: reproductions.map(\.path),
            tally: Reproduction.tally(files: reproductions, original: verification.statements, trustedKeys: trustedKeys))
        let input = ReportInput(verification: verification, bundleName: bundleName, reproductions: evidence, generatedAt: generatedAt,
                                timestamps: timestamps)
        return (render(input), verification)
    }

    /// The page.
    package static func render(_ input: ReportInput) -> String {
        let contents = BundleContents(input.verification.statements)
        var body = Markup.text("h1", [], "attest report: \(input.bundleName)")
        body += banner(input, contents)
        body += gatesTable(contents)
        body += ConcurrencySection.render(contents)
        body += ScalingSection.render(contents)
        body += TimelineSections.threadCount(contents)
        body += TimelineSections.cpuUtilization(contents)
        body += OtherSections.codeAudit(contents)
        body += OtherSections.comparison(contents)
        body += OtherSections.reproductions(input.reproductions)
        body += OtherSections.systemAndGit(contents)
        body += Markup.element("footer", [], Markup.escape("Generated \(Timestamp.format(input.generatedAt)) by attest \(AttestBuild.version) from \(input.bundleName). ")
                               + Markup.escape("The charts draw the bundle's raw measurements; the banner is attest verify's judgement of the signatures, the chain and every re-derived verdict."))
        let head = Markup.empty("meta", [("charset", "utf-8")])
            + Markup.empty("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")])
            + Markup.empty("meta", [("name", "color-scheme"), ("content", "light dark")])
            + Markup.text("title", [], "attest report: \(input.bundleName)")
            + Markup.element("style", [], Markup.escape(Stylesheet.css))
        return "<!DOCTYPE html>\n" + Markup.element("html", [("xmlns", "http://www.w3.org/1999/xhtml"), ("lang", "en")],
                                                    Markup.element("head", [], head) + Markup.element("body", [], body)) + "\n"
    }

    // MARK: Banner

    static func banner(_ input: ReportInput, _ contents: BundleContents) -> String {
        let report = input.verification
        let verified = report.isVerified
        let signers = Array(Set(report.records.flatMap(\.signedBy))).sorted()
        var rows: [(String, String)] = [
            ("Verdict (claimed by the bundle)", report.verdict ?? "none: no readable summary"),
            ("Signed by (trusted key id)", signers.isEmpty ? "no trusted key verified any record" : signers.map { signer in
                "\(signer) (a valid signature on \(report.records.filter { $0.signedBy.contains(signer) }.count) of \(report.records.count) records)"
            }.joined(separator: "; ")),
            ("Trusted keys given", report.trustedKeyIDs.isEmpty ? "none" : report.trustedKeyIDs.joined(separator: ", ")),
            ("Subject", report.subject ?? "unknown"),
            ("Commit", contents.commit ?? "no git commit recorded"),
            ("Working tree", (contents.summary ?? contents.gates.first?.predicate).flatMap(GitState.treeState(recordedIn:)) ?? "unknown"),
            ("Sealed", contents.sealedAt ?? "unknown"),
            ("Run", report.runID ?? "unknown"),
            ("Records", "\(report.records.count)"),
        ]
        if let branch = contents.branch { rows.insert(("Branch", branch), at: 5) }
        if let timestamps = input.timestamps {
            let trusted = timestamps.verified.map(\.sentence)
            rows.insert(("Trusted time (RFC 3161)", trusted.isEmpty ? "no timestamp verified against the TSA CAs given" : trusted.joined(separator: "; ")),
                        at: rows.firstIndex { $0.0 == "Sealed" }.map { $0 + 1 } ?? rows.count)
        }
        let list = rows.map { Markup.text("dt", [], $0.0) + Markup.text("dd", [], $0.1) }.joined()
        // Authenticity and the claim are two questions: an authentic FAILED or INCONCLUSIVE verdict
        // gets its own colour and words, never the green of a claim that holds.
        let claim = ClaimAssessment(verdict: report.verdict, records: report.records.count)
        var content = Markup.text("h2", [], !verified
            ? "NOT VERIFIED: \(report.allFindings.count) finding\(report.allFindings.count == 1 ? "" : "s") — do not trust the figures below"
            : claim.holds
                ? "VERIFIED: signatures, chain, seal and every re-derived verdict check out — verdict \(report.verdict ?? "?")"
                : "AUTHENTIC, CLAIM \(report.verdict ?? "?"): the signatures, chain and seal check out and the verdict follows from the measurements — and that verdict is \(report.verdict ?? "?"), not a pass")
        content += Markup.element("dl", [], list)
        if !verified {
            let findings = report.allFindings.map { finding in
                Markup.element("li", [("class", "finding")],
                               Markup.text("code", [], finding.code) + Markup.escape(finding.recordIndex.map { " (record \($0))" } ?? " (bundle)")
                                   + Markup.escape(": " + finding.message))
            }
            content += Markup.text("h3", [], "Findings")
            content += Markup.element("ul", [("class", "findings")], findings.isEmpty ? Markup.text("li", [], "the bundle holds no records") : findings.joined())
        }
        let style = !verified ? "banner bad" : claim.holds ? "banner ok" : "banner claim-not-holding"
        return Markup.element("section", [("id", "verification"), ("class", style),
                                          ("role", verified && claim.holds ? "status" : "alert"), ("data-verified", verified ? "true" : "false"),
                                          ("data-claim-holds", verified && claim.holds ? "true" : "false")], content)
    }

    static func gatesTable(_ contents: BundleContents) -> String {
        let rows = contents.gates.map { gate in
            Markup.element("tr", [], Markup.text("td", [], "\(gate.number)") + Markup.text("td", [], gate.title)
                + Markup.text("td", [("class", gate.status == "passed" ? "status-passed" : "status-other")], gate.status)
                + Markup.text("td", [], gate.summary))
        }.joined()
        let head = Markup.element("thead", [], Markup.element("tr", [], ["Gate", "Title", "Status (signed)", "Summary"].map { Markup.text("th", [("scope", "col")], $0) }.joined()))
        return Markup.element("section", [("id", "gates")], Markup.text("h2", [], "Gates")
            + Markup.element("table", [("class", "data")], Markup.text("caption", [], "Each gate's signed status and summary; attest verify re-derives every status from the measurements.") + head + Markup.element("tbody", [], rows)))
    }
}
