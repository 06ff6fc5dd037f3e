// tsyringe reads decorator metadata through the Reflect polyfill; it must load before any module
// that imports tsyringe.
import 'reflect-metadata';
