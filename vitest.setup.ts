// tsyringe reads decorator metadata through the Reflect polyfill; it must load before any module
// that imports tsyringe.
import 'reflect-metadata';

// Every controller a test starts (in process or as a child) checks each JSON answer against the
// route table's schema, so a field that drifts from the contract fails the test that meets it.
process.env['IRIS_VALIDATE_RESPONSES'] ??= '1';
