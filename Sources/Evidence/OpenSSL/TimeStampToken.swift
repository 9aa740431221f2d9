import COpenSSL
import Foundation

/// What a TimeStampResp (RFC 3161 §2.4.2) says: its status and, when granted, the token.
struct TimeStampReply: Equatable {
    /// PKIStatus: 0 granted, 1 grantedWithMods, 2 rejection, 3 waiting, 4 revocationWarning,
    /// 5 revocationNotification.
    var status: Int
    /// The PKIFailureInfo bits that are set, by RFC 3161's names.
    var failures: [String]
    /// The TimeStampToken (a DER CMS ContentInfo), absent unless the status grants one.
    var token: [UInt8]?
}

/// What a token claims, read without trusting it: `TimeStampBackend.verify` says whether to.
struct TimeStampTokenContent: Equatable {
    /// The imprint's hash algorithm as OpenSSL's short name ("SHA256").
    var imprintAlgorithm: String
    var imprint: [UInt8]
    /// genTime exactly as the token writes it (GeneralizedTime, e.g. "20261206184205Z").
    var genTimeText: String
    var genTime: Date
    /// The accuracy in seconds, nil when the token states none.
    var accuracySeconds: Double?
    /// The TSA's name: the token's `tsa` field when it is a directory name, else the signer's subject.
    var tsaName: String?
    var serialHex: String
    var nonce: [UInt8]?
    var policy: String
}

/// All RFC 3161 pointer work: the query, the reply, reading a token, and OpenSSL's verification of
/// one (TS_VERIFY_CTX). Nothing here decides what a finding is; `TimestampVerification` does.
enum TimeStampBackend {
    /// A DER TimeStampReq over a SHA-256 `digest`, with `nonce` and certReq set (so that the token
    /// carries the TSA's certificate and verifies with its CA alone).
    static func query(sha256 digest: [UInt8], nonce: [UInt8]) throws -> [UInt8] {
        func fail(_ operation: String) -> EvidenceError {
            .openssl(operation: operation, message: OpenSSLErrorQueue.drain())
        }
        guard let request = TS_REQ_new() else { throw fail("TS_REQ_new") }
        defer { TS_REQ_free(request) }
        guard let imprint = TS_MSG_IMPRINT_new() else { throw fail("TS_MSG_IMPRINT_new") }
        defer { TS_MSG_IMPRINT_free(imprint) }
        guard let algorithm = X509_ALGOR_new() else { throw fail("X509_ALGOR_new") }
        defer { X509_ALGOR_free(algorithm) }
        // X509_ALGOR_set0 takes the object (a static one from OBJ_nid2obj, never freed).
        guard X509_ALGOR_set0(algorithm, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nil) == 1 else { throw fail("X509_ALGOR_set0") }
        guard TS_MSG_IMPRINT_set_algo(imprint, algorithm) == 1 else { throw fail("TS_MSG_IMPRINT_set_algo") }
        var digest = digest
        guard TS_MSG_IMPRINT_set_msg(imprint, &digest, Int32(digest.count)) == 1 else { throw fail("TS_MSG_IMPRINT_set_msg") }
        guard TS_REQ_set_version(request, 1) == 1 else { throw fail("TS_REQ_set_version") }
        // The setters below copy their argument; the originals are freed here.
        guard TS_REQ_set_msg_imprint(request, imprint) == 1 else { throw fail("TS_REQ_set_msg_imprint") }
        guard let number = BN_bin2bn(nonce, Int32(nonce.count), nil) else { throw fail("BN_bin2bn") }
        defer { BN_free(number) }
        guard let integer = BN_to_ASN1_INTEGER(number, nil) else { throw fail("BN_to_ASN1_INTEGER") }
        defer { ASN1_INTEGER_free(integer) }
        guard TS_REQ_set_nonce(request, integer) == 1 else { throw fail("TS_REQ_set_nonce") }
        guard TS_REQ_set_cert_req(request, 1) == 1 else { throw fail("TS_REQ_set_cert_req") }
        var buffer: UnsafeMutablePointer<UInt8>?
        let length = i2d_TS_REQ(request, &buffer)
        guard length > 0, let buffer else { throw fail("i2d_TS_REQ") }
        defer { attest_OPENSSL_free(buffer) }
        return Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
    }

    /// Reads a DER object with `parse`, refusing trailing bytes (the object is then freed with `free`).
    private static func decode<T>(_ der: [UInt8], _ parse: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> T?,
                                  free: (T) -> Void) -> T? {
        der.withUnsafeBufferPointer { buffer -> T? in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
            var cursor: UnsafePointer<UInt8>? = base
            let value = parse(&cursor, buffer.count)
            guard let value else {
                OpenSSLErrorQueue.clear()
                return nil
            }
            guard cursor == base + buffer.count else {
                free(value)
                return nil
            }
            return value
        }
    }

    /// A TimeStampResp's status and token; nil when the bytes are not one.
    static func reply(der: [UInt8]) -> TimeStampReply? {
        guard let response = decode(der, { d2i_TS_RESP(nil, $0, $1) }, free: TS_RESP_free) else { return nil }
        defer { TS_RESP_free(response) }
        guard let info = TS_RESP_get_status_info(response), let status = TS_STATUS_INFO_get0_status(info) else { return nil }
        let names: [(Int32, String)] = [(0, "badAlg"), (2, "badRequest"), (5, "badDataFormat"), (14, "timeNotAvailable"),
                                        (15, "unacceptedPolicy"), (16, "unacceptedExtension"), (17, "addInfoNotAvailable"),
                                        (25, "systemFailure")]
        var failures: [String] = []
        if let bits = TS_STATUS_INFO_get0_failure_info(info) {
            failures = names.filter { ASN1_BIT_STRING_get_bit(bits, $0.0) == 1 }.map(\.1)
        }
        var token: [UInt8]?
        if let signed = TS_RESP_get_token(response) {
            var buffer: UnsafeMutablePointer<UInt8>?
            let length = i2d_PKCS7(signed, &buffer)
            if length > 0, let buffer {
                token = Array(UnsafeBufferPointer(start: buffer, count: Int(length)))
                attest_OPENSSL_free(buffer)
            } else {
                OpenSSLErrorQueue.clear()
            }
        }
        return TimeStampReply(status: ASN1_INTEGER_get(status), failures: failures, token: token)
    }

    /// What a token claims; nil when it is not a well-formed TimeStampToken.
    static func content(token der: [UInt8]) -> TimeStampTokenContent? {
        guard let signed = decode(der, { d2i_PKCS7(nil, $0, $1) }, free: PKCS7_free) else { return nil }
        defer { PKCS7_free(signed) }
        guard let info = PKCS7_to_TS_TST_INFO(signed) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { TS_TST_INFO_free(info) }
        guard let imprint = TS_TST_INFO_get_msg_imprint(info), let algorithm = TS_MSG_IMPRINT_get_algo(imprint),
              let message = TS_MSG_IMPRINT_get_msg(imprint), let time = TS_TST_INFO_get_time(info),
              let serial = TS_TST_INFO_get_serial(info), let policy = TS_TST_INFO_get_policy_id(info) else { return nil }
        var object: OpaquePointer?
        X509_ALGOR_get0(&object, nil, nil, algorithm)
        let algorithmName = object.flatMap { OBJ_nid2sn(OBJ_obj2nid($0)) }.map { String(cString: $0) } ?? "unknown"
        let genTimeText = string(time)
        guard let genTime = GeneralizedTime.parse(genTimeText) else { return nil }
        var accuracy: Double?
        if let stated = TS_TST_INFO_get_accuracy(info) {
            func part(_ value: UnsafePointer<ASN1_INTEGER>?) -> Double { value.map { Double(ASN1_INTEGER_get($0)) } ?? 0 }
            accuracy = part(TS_ACCURACY_get_seconds(stated)) + part(TS_ACCURACY_get_millis(stated)) / 1e3
                + part(TS_ACCURACY_get_micros(stated)) / 1e6
        }
        var policyText = [CChar](repeating: 0, count: 128)
        let policyLength = OBJ_obj2txt(&policyText, Int32(policyText.count), policy, 1)
        let name = attest_GENERAL_NAME_directory(TS_TST_INFO_get_tsa(info)).flatMap(oneLine) ?? signerSubject(signed)
        return TimeStampTokenContent(
            imprintAlgorithm: algorithmName, imprint: bytes(message), genTimeText: genTimeText, genTime: genTime,
            accuracySeconds: accuracy, tsaName: name, serialHex: integerHex(serial) ?? "?",
            nonce: TS_TST_INFO_get_nonce(info).flatMap(integerBytes),
            policy: policyLength > 0 ? String(decoding: policyText.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?")
    }

    /// Nil when the token verifies: signed by a certificate that chains to one of `trustedPEMs`
    /// and carries the critical timeStamping extended key usage, with `digest` as its imprint
    /// and the token's TSA name matching the signer. Otherwise OpenSSL's reason.
    static func verify(token der: [UInt8], sha256 digest: [UInt8], trustedPEMs: [[UInt8]]) -> String? {
        guard let signed = decode(der, { d2i_PKCS7(nil, $0, $1) }, free: PKCS7_free) else { return "the token is not DER CMS" }
        defer { PKCS7_free(signed) }
        guard let context = TS_VERIFY_CTX_new() else { return OpenSSLErrorQueue.drain() }
        defer { TS_VERIFY_CTX_free(context) }
        guard let store = X509_STORE_new() else { return OpenSSLErrorQueue.drain() }
        // The context owns the store from here (TS_VERIFY_CTX_free frees it).
        TS_VERIFY_CTX_set_store(context, store)
        for pem in trustedPEMs {
            for certificate in certificates(pem: pem) {
                guard X509_STORE_add_cert(store, certificate.pointer) == 1 else { return OpenSSLErrorQueue.drain() }
            }
        }
        TS_VERIFY_CTX_set_flags(context, Int32(attest_TS_VFY_TOKEN_FLAGS()))
        guard digest.withUnsafeBufferPointer({ attest_TS_VERIFY_CTX_set_imprint_copy(context, $0.baseAddress, $0.count) }) == 1 else {
            return OpenSSLErrorQueue.drain()
        }
        guard TS_RESP_verify_token(context, signed) == 1 else { return drainWithDetail() }
        OpenSSLErrorQueue.clear()
        return nil
    }

    /// OpenSSL's errors with the detail TS verification attaches (e.g. "Verify error:unable to get
    /// local issuer certificate"), which `OpenSSLErrorQueue.drain` leaves out.
    private static func drainWithDetail() -> String {
        var messages: [String] = []
        while true {
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            let code = ERR_get_error_all(nil, nil, nil, &data, &flags)
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            var message = String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let data, flags & ERR_TXT_STRING != 0, data.pointee != 0 { message += " (\(String(cString: data)))" }
            messages.append(message)
        }
        return messages.isEmpty ? "no OpenSSL error recorded" : messages.joined(separator: "; ")
    }

    /// The certificates in a PEM file, in order (none when it holds none).
    static func certificates(pem: [UInt8]) -> [X509Certificate] {
        guard let bio = pem.withUnsafeBytes({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else { return [] }
        defer { BIO_free(bio) }
        var found: [X509Certificate] = []
        while let certificate = PEM_read_bio_X509(bio, nil, attest_refuse_password, nil) {
            found.append(X509Certificate(owning: certificate))
        }
        // The loop ends on "no start line" at the end of the file: not an error.
        OpenSSLErrorQueue.clear()
        return found
    }

    private static func string(_ value: UnsafePointer<ASN1_STRING>) -> String {
        let length = Int(ASN1_STRING_length(value))
        guard length > 0, let data = ASN1_STRING_get0_data(value) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: length), as: UTF8.self)
    }

    private static func bytes(_ value: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let length = Int(ASN1_STRING_length(value))
        guard length > 0, let data = ASN1_STRING_get0_data(value) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    private static func integerBytes(_ value: UnsafePointer<ASN1_INTEGER>) -> [UInt8]? {
        guard let number = ASN1_INTEGER_to_BN(value, nil) else { return nil }
        defer { BN_free(number) }
        var output = [UInt8](repeating: 0, count: Int((BN_num_bits(number) + 7) / 8))
        _ = BN_bn2bin(number, &output)
        return output
    }

    private static func integerHex(_ value: UnsafePointer<ASN1_INTEGER>) -> String? {
        integerBytes(value).map { $0.isEmpty ? "00" : Hex.encode($0) }
    }

    /// A distinguished name as "CN = Test TSA, O = attest tests".
    private static func oneLine(_ name: OpaquePointer) -> String? {
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard X509_NAME_print_ex(bio, name, 0, attest_XN_FLAG_ONELINE()) >= 0 else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = attest_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { return nil }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) }
    }

    /// The subject of the certificate that signed the token, when the token carries it.
    private static func signerSubject(_ signed: UnsafeMutablePointer<PKCS7>) -> String? {
        guard let signers = PKCS7_get0_signers(signed, nil, 0) else {
            OpenSSLErrorQueue.clear()
            return nil
        }
        defer { OPENSSL_sk_free(signers) }
        guard OPENSSL_sk_num(signers) > 0, let first = OPENSSL_sk_value(signers, 0),
              let subject = X509_get_subject_name(OpaquePointer(first)) else { return nil }
        return oneLine(subject)
    }
}

/// Owns one `X509` and frees it.
final class X509Certificate {
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        X509_free(pointer)
    }
}

/// ASN.1 GeneralizedTime in the form RFC 3161 requires ("YYYYMMDDhhmmss[.s...]Z", UTC).
enum GeneralizedTime {
    static func parse(_ text: String) -> Date? {
        let characters = Array(text.utf8)
        guard characters.count >= 15, characters.last == UInt8(ascii: "Z") else { return nil }
        func number(_ start: Int, _ count: Int) -> Int? {
            var value = 0
            for character in characters[start..<(start + count)] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character) else { return nil }
                value = value * 10 + Int(character - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0, 4), let month = number(4, 2), let day = number(6, 2), let hour = number(8, 2),
              let minute = number(10, 2), let second = number(12, 2),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var fraction = 0.0
        let rest = characters[14..<(characters.count - 1)]
        if !rest.isEmpty {
            guard rest.first == UInt8(ascii: "."), (2...10).contains(rest.count), let digits = number(15, rest.count - 1) else { return nil }
            fraction = Double(digits) / pow(10, Double(rest.count - 1))
        }
        let days = Timestamp.daysSinceEpoch(year: year, month: month, day: day)
        return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second) + fraction)
    }
}
