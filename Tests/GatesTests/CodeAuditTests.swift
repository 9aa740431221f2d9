import Foundation
import Testing
@testable import Gates

@Suite("Code audit")
struct CodeAuditTests {
    @Test("async inside Swift comments and strings is not counted")
    func swiftCommentsAndStrings() {
        let source = """
        // async await Task in a line comment
        /* a block comment with async
           /* nested: await */ still a comment: Task
        */
        let message = "async and await in a string"
        let raw = #"raw "async" string"#
        let multi = \"\"\"
            await inside a multi-line string
            \"\"\"
        let thread = Thread { work() }
        pthread_create(&handle, nil, body, nil)
        """
        let counts = CodeAudit.count(source: source, language: .swift)
        #expect(counts.async.isEmpty, "async lines found: \(counts.async)")
        #expect(counts.thread == [10, 11])
    }

    @Test("real async constructs are counted")
    func swiftAsyncCounted() {
        let source = """
        func fetch() async throws -> Int { try await load() }
        let task = Task { await fetch() }
        let label = "Thread" // a string and a comment mention Thread
        """
        let counts = CodeAudit.count(source: source, language: .swift)
        #expect(counts.async == [1, 2])
        #expect(counts.thread.isEmpty)
    }

    @Test("Python comments, strings and docstrings are skipped")
    func pythonCommentsAndStrings() {
        let source = """
        \"\"\"Docstring: asyncio, await and async are only words here.\"\"\"
        import threading  # comment with asyncio
        print('await in a string', "async too")
        t = threading.Thread(target=work)
        async def handler():
            await asyncio.sleep(0)
        """
        let counts = CodeAudit.count(source: source, language: .python)
        #expect(counts.thread == [2, 4])
        #expect(counts.async == [5, 6])
    }

    @Test("files are classified by role from their names")
    func roles() {
        #expect(CodeAudit.role(ofFileNamed: "Bot") == "bot")
        #expect(CodeAudit.role(ofFileNamed: "Swarm") == "manager")
        #expect(CodeAudit.role(ofFileNamed: "bot_manager") == "manager")
        #expect(CodeAudit.role(ofFileNamed: "ProcFS") == "other")
    }

    @Test("the criterion fails an asyncio design and passes a threaded one")
    func criterion() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "import asyncio\nasync def bot():\n    await asyncio.sleep(1)\n".write(to: folder.appendingPathComponent("bot.py"), atomically: true, encoding: .utf8)
        try "import asyncio\nasync def main():\n    await asyncio.gather()\n".write(to: folder.appendingPathComponent("swarm.py"), atomically: true, encoding: .utf8)
        let (_, asyncDesign) = try CodeAudit.measure(directory: folder)
        #expect(CodeAudit.evaluate(asyncDesign).status == .failed)

        try "import threading\nclass Bot(threading.Thread):\n    pass\n".write(to: folder.appendingPathComponent("bot.py"), atomically: true, encoding: .utf8)
        try "import threading\nthreads = [threading.Thread() for _ in range(4)]\n".write(to: folder.appendingPathComponent("swarm.py"), atomically: true, encoding: .utf8)
        let (_, threaded) = try CodeAudit.measure(directory: folder)
        #expect(CodeAudit.evaluate(threaded).status == .passed)
        #expect(threaded.files.allSatisfy { $0.sha256.count == 64 })
    }

    @Test("a missing audit path is an error with a hint")
    func missingPath() {
        #expect(throws: GateError.self) {
            try CodeAudit.measure(directory: URL(fileURLWithPath: "/nonexistent/attest-audit"))
        }
    }
}
